#!/usr/bin/env python3
"""The policy checks of `cargo xtask bench-engine`, hand-written in Python.

A fair, straightforward baseline: the plain `json` module, dicts and sets,
specialised to the benchmark's generated policies (entity-scoped rules with
`embedEntity eq "X"`, `Entity ${embedEntity}` templates, `userName sw "x"`
user rules, deactivated users in no group, separation of duties, unmanaged
and dangling groups, exceptions). Prints the number of findings.

usage: check_baseline.py SNAPSHOT SPEC.json
"""
import json
import sys


def main():
    snap = json.load(open(sys.argv[1]))
    spec = json.load(open(sys.argv[2]))
    findings = []
    groups = snap["groups"]
    users = {u["id"]: u for u in snap["users"]}
    embed = {u["id"]: u for u in snap["embed_users"]}
    by_name = {}
    member_groups = {}
    for g in groups:
        by_name.setdefault(g.get("displayName", ""), g)
        for m in g.get("members", []):
            member_groups.setdefault(m["value"], []).append(g.get("displayName", ""))
            if m["value"] not in users and m["value"] not in embed:
                findings.append(("member_dangling", g["displayName"], m.get("display")))
    declared = set(spec["declared"])
    for name in declared:
        if name not in by_name:
            findings.append(("group_missing", name, None))
    for g in groups:
        name = g.get("displayName", "")
        if name not in declared and not any(name.startswith(p) for p in spec["ignore_prefixes"]):
            findings.append(("group_unmanaged", name, None))
        if len(name) > 64:
            findings.append(("group_name_invalid", name, None))
    for u in embed.values():
        mine = member_groups.get(u["id"], [])
        ent = u.get("embedEntity")
        if "All Embed Users" not in mine:
            findings.append(("membership_required", "every-embed", u.get("embedExternalId")))
        for rule in spec["entity_rules"]:
            if ent is None or ent.lower() != rule["entity"].lower():
                continue
            want = "Entity " + ent
            if want not in mine:
                findings.append(("membership_required", rule["id"], u.get("embedExternalId")))
            for g in mine:
                if g not in ("All Embed Users", want):
                    findings.append(("membership_not_allowed", rule["id"], g))
    for u in users.values():
        mine = member_groups.get(u["id"], [])
        if u.get("active") is False:
            for g in mine:
                findings.append(("membership_not_allowed", "deactivated", g))
        name = u.get("userName", "").lower()
        for rule in spec["user_rules"]:
            if u.get("active") is True and name.startswith(rule["prefix"]):
                for g in mine:
                    if g == "All Embed Users" or g.startswith("Entity "):
                        findings.append(("membership_forbidden", rule["id"], g))
    for pair in spec["sod"]:
        a = {m["value"] for m in by_name.get(pair[0], {}).get("members", [])}
        b = {m["value"] for m in by_name.get(pair[1], {}).get("members", [])}
        for who in a & b:
            findings.append(("separation_of_duties", pair[0], who))
    excused = {(e["rule"], e["subject"]) for e in spec["exceptions"]}
    used = {(f[1], f[2]) for f in findings} & excused
    for e in excused - used:
        findings.append(("exception_unused", e[0], e[1]))
    findings.sort(key=lambda f: tuple(str(x) for x in f))
    print(len(findings))


main()
