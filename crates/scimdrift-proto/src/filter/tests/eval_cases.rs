//! Evaluation: the case-exactness table, multi-valued semantics, `pr`,
//! `eq null`, `ne` = `not eq`, dateTimes as instants, `invalidFilter` errors.

use crate::filter::Filter;
use serde_json::{Value, json};
use std::sync::LazyLock;

static USER: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:omni:params:scim:schemas:extension:user:2.0",
            "urn:omni:params:1.0:UserAttribute"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Ext-42",
        "userName": "Bjensen@Example.com",
        "displayName": "Barbara Jensen",
        "active": true,
        "title": "",
        "nickName": null,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "groups": [
            {"value": "mEhXj6ZI", "display": "Admins"},
            {"value": "abc_-1", "display": "Émigrés"}
        ],
        "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": ""},
        "addresses": [{"type": "", "street": "", "locality": null}],
        "loginCount": 0,
        "score": 7.5,
        "big": 12345678901234567890u64,
        "x509": false,
        "tags": ["Blue", "green"],
        "nested": [[1]],
        "meta": {
            "created": "2024-01-15T10:30:00Z",
            "lastModified": "2024-06-01T12:00:00.000+02:00",
            "resourceType": "User",
            "version": "W/\"a1\"",
            "location": "https://x.example/Users/2819"
        },
        "urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": "2024-06-30T23:59:59Z"},
        "urn:omni:params:1.0:UserAttribute": {
            "region": "EU-West", "level": 3, "flags": ["a", "B"], "vip": false, "nothing": null
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        }
    })
});

static EMBED: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "id": "e1",
        "userName": "embed-abc@embed.omniapp.co",
        "embedExternalId": "Ext-Person-9",
        "embedEntity": "Tenant-17",
        "embedEmail": null,
        "active": false,
        "groups": [{"value": "Grp_1", "display": "Tenant-17"}]
    })
});

static GROUP: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "id": "mEhXj6ZI",
        "displayName": "Admins",
        "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "display": "bjensen@example.com"}],
        "meta": {"resourceType": "Group", "created": "2023-12-31T23:00:00-01:00"}
    })
});

#[track_caller]
fn check(filter: &str, resource: &Value, expected: bool) {
    let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{}", e.render(filter)));
    assert_eq!(f.evaluate(resource), Ok(expected), "`{filter}`");
}

/// `filter` is an `invalidFilter` error whose message contains `needle`.
#[track_caller]
fn invalid(filter: &str, resource: &Value, needle: &str) {
    let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{}", e.render(filter)));
    match f.evaluate(resource) {
        Ok(b) => panic!("`{filter}` should be invalidFilter, got {b}"),
        Err(e) => assert!(e.to_string().contains(needle), "`{filter}`: {e}"),
    }
}

#[test]
fn case_insensitive_attributes() {
    let u = &*USER;
    check(r#"userName eq "bjensen@example.com""#, u, true);
    check(r#"userName eq "BJENSEN@EXAMPLE.COM""#, u, true);
    check(r#"USERNAME EQ "bjensen@example.com""#, u, true);
    check(r#"username eq "bjensen@example.com""#, u, true);
    check(r#"userName ne "bjensen@example.com""#, u, false);
    check(r#"userName co "JENSEN""#, u, true);
    check(r#"userName co """#, u, true);
    check(r#"userName sw "bj""#, u, true);
    check(r#"userName ew ".COM""#, u, true);
    check(r#"userName ew ".org""#, u, false);
    check(r#"userName sw "bjensen@example.com.""#, u, false);
    check(r#"userName gt "a""#, u, true);
    check(r#"userName lt "C""#, u, true);
    check(r#"userName ge "BJENSEN@example.com""#, u, true);
    check(r#"userName le "bjensen@example.com""#, u, true);
    check(r#"userName gt "bjensen@example.com""#, u, false);
    check(r#"displayName eq "barbara jensen""#, u, true);
    check(r#"name.familyName eq "JENSEN""#, u, true);
    check(r#"name.familyName gt "A""#, u, true);
    check(r#"emails.value eq "BABS@JENSEN.ORG""#, u, true);
    check(r#"groups.display eq "admins""#, u, true);
    check(r#"embedEntity eq "tenant-17""#, &EMBED, true);
    check(r#"embedEntity eq "TENANT-17""#, &EMBED, true);
    check(
        r#"urn:omni:params:1.0:UserAttribute:region eq "eu-west""#,
        u,
        true,
    );
    check(
        r#"URN:OMNI:PARAMS:1.0:USERATTRIBUTE:REGION eq "EU-WEST""#,
        u,
        true,
    );
}

#[test]
fn case_exact_attributes() {
    let u = &*USER;
    check(r#"id eq "2819C223-7F76-453A-919D-413861904646""#, u, false);
    check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#, u, true);
    check(r#"ID eq "2819c223-7f76-453a-919d-413861904646""#, u, true);
    check(r#"externalId eq "ext-42""#, u, false);
    check(r#"externalId eq "Ext-42""#, u, true);
    check(r#"externalId co "ext""#, u, false);
    check(r#"externalId sw "Ext""#, u, true);
    check(r#"externalId gt "ext""#, u, false);
    check(r#"embedExternalId eq "ext-person-9""#, &EMBED, false);
    check(r#"embedExternalId eq "Ext-Person-9""#, &EMBED, true);
    check(r#"meta.resourceType eq "user""#, u, false);
    check(r#"meta.resourceType eq "User""#, u, true);
    check(r#"meta.version eq "w/\"a1\"""#, u, false);
    check(r#"meta.version eq "W/\"a1\"""#, u, true);
    check(r#"meta.location co "USERS""#, u, false);
    check(r#"groups.value eq "mehxj6zi""#, u, false);
    check(r#"groups.value eq "mEhXj6ZI""#, u, true);
    check(r#"groups[value eq "MEHXJ6ZI"]"#, u, false);
    check(
        r#"members.value eq "2819C223-7F76-453A-919D-413861904646""#,
        &GROUP,
        false,
    );
    check(
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        &GROUP,
        true,
    );
    check(r#"members.display eq "BJENSEN@example.com""#, &GROUP, true);
}

#[test]
fn non_ascii_case_folding() {
    let u = &*USER;
    check(r#"groups.display eq "ÉMIGRÉS""#, u, true);
    check(r#"groups.display sw "émi""#, u, true);
    check(r#"groups.display co "MIGR""#, u, true);
    check(r#"groups.display co "GRÉ""#, u, true);
    check(r#"groups.display ew "GRÉS""#, u, true);
    check(r#"groups.display ew "gres""#, u, false);
    check(r#"displayName eq "BARBARA JENSÉN""#, u, false);
}

#[test]
fn multi_valued_attributes() {
    let u = &*USER;
    check(r#"emails.value co "jensen.org""#, u, true);
    check(
        r#"emails.type eq "home" and emails.value co "example.com""#,
        u,
        true,
    );
    check(
        r#"emails[type eq "home" and value co "example.com"]"#,
        u,
        false,
    );
    check(
        r#"emails[type eq "work" and value co "example.com"]"#,
        u,
        true,
    );
    check(
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        u,
        true,
    );
    check(
        r#"emails[type eq "home"].value eq "bjensen@example.com""#,
        u,
        false,
    );
    check(r#"emails[primary eq true]"#, u, true);
    check(r#"emails[not (primary pr)]"#, u, true);
    check(r#"emails[primary eq false]"#, u, false);
    check(r#"emails co "jensen.org""#, u, true);
    check(r#"emails eq "bjensen@example.com""#, u, true);
    check(r#"emails.value ne "babs@jensen.org""#, u, false);
    check(r#"emails.value ne "nobody@example.com""#, u, true);
    check(r#"tags eq "blue""#, u, true);
    check(r#"tags[value eq "GREEN"]"#, u, true);
    check(r#"tags co "ree""#, u, true);
    check(r#"urn:omni:params:1.0:UserAttribute:flags eq "b""#, u, true);
    check(r#"groups[value eq "abc_-1" and display sw "É"]"#, u, true);
    check(r#"nested eq 1"#, u, false);
}

#[test]
fn presence() {
    let u = &*USER;
    check("title pr", u, false);
    check("nickName pr", u, false);
    check("phoneNumbers pr", u, false);
    check("addresses pr", u, false);
    check("emails pr", u, true);
    check("loginCount pr", u, true);
    check("x509 pr", u, true);
    check("name pr", u, true);
    check("name.middleName pr", u, false);
    check("name.givenName pr", u, true);
    check("unknownAttr pr", u, false);
    check("not (unknownAttr pr)", u, true);
    check("embedEntity pr", u, false);
    check("embedEntity pr", &EMBED, true);
    check("embedEmail pr", &EMBED, false);
    check("urn:omni:params:1.0:UserAttribute:nothing pr", u, false);
    check("urn:omni:params:1.0:UserAttribute:missing pr", u, false);
    check("urn:omni:params:1.0:UserAttribute:vip pr", u, true);
    check("emails[primary pr]", u, true);
}

#[test]
fn null_comparisons_mean_presence() {
    let u = &*USER;
    check("title eq null", u, true);
    check("title ne null", u, false);
    check("embedEmail eq null", &EMBED, true);
    check("embedEntity ne null", &EMBED, true);
    check("embedEntity eq null", u, true);
    check("userName eq null", u, false);
    check("userName ne null", u, true);
    check("meta.created eq null", u, false);
    invalid("userName gt null", u, "cannot compare with null");
    invalid("userName co null", u, "cannot compare with null");
}

#[test]
fn unknown_attributes_are_absent() {
    let u = &*USER;
    check(r#"unknownAttr eq "x""#, u, false);
    check(r#"unknownAttr ne "x""#, u, true);
    check(r#"unknownAttr gt 5"#, u, false);
    check(r#"urn:x:y:z eq "x""#, u, false);
    check(r#"userName.sub eq "x""#, u, false);
    check(r#"unknownAttr[value pr]"#, u, false);
}

#[test]
fn numbers_and_booleans() {
    let u = &*USER;
    check("loginCount eq 0", u, true);
    check("loginCount eq 0.0", u, true);
    check("loginCount eq -0", u, true);
    check("loginCount gt -1", u, true);
    check("score gt 7", u, true);
    check("score eq 7.5", u, true);
    check("score eq 75e-1", u, true);
    check("score le 7.5", u, true);
    check("score lt 7.5", u, false);
    check("big eq 12345678901234567890", u, true);
    check("big gt 12345678901234567889", u, true);
    check("urn:omni:params:1.0:UserAttribute:level ge 3", u, true);
    check("active eq true", u, true);
    check("active eq false", u, false);
    check("active ne false", u, true);
    check("active eq false", &EMBED, true);
    check("x509 eq false", u, true);
    check("urn:omni:params:1.0:UserAttribute:vip eq false", u, true);
}

#[test]
fn date_times_compare_as_instants() {
    let u = &*USER;
    check(r#"meta.created eq "2024-01-15T10:30:00.000Z""#, u, true);
    check(r#"meta.created eq "2024-01-15T11:30:00+01:00""#, u, true);
    check(r#"meta.created ne "2024-01-15T10:30:00.000Z""#, u, false);
    check(r#"meta.created gt "2024-01-01T00:00:00Z""#, u, true);
    check(r#"meta.created lt "2024-01-01T00:00:00Z""#, u, false);
    check(r#"meta.lastModified eq "2024-06-01T10:00:00Z""#, u, true);
    check(r#"meta.lastModified ge "2024-06-01T10:00:00Z""#, u, true);
    check(r#"meta.lastModified gt "2024-06-01T10:00:00Z""#, u, false);
    check(r#"meta.created sw "2024-01""#, u, true);
    check(r#"meta.created ge "2024-01-01T00:00:00Z""#, &GROUP, true);
    check(r#"meta.created gt "2024-01-01T00:00:00Z""#, &GROUP, false);
    check(r#"meta.created lt "2024-01-01T00:00:01Z""#, &GROUP, true);
    check(
        r#"urn:omni:params:scim:schemas:extension:user:2.0:lastLogin gt "2024-06-30T00:00:00Z""#,
        u,
        true,
    );
    check(r#"lastLogin gt "2024-06-30T00:00:00Z""#, u, true);
    check(r#"lastLogin lt "2024-07-01T01:00:00+02:00""#, u, false);
    check(r#"lastLogin le "2024-07-01T01:59:59+02:00""#, u, true);
    invalid(r#"meta.created gt "yesterday""#, u, "is a dateTime");
    invalid(r#"meta.lastModified eq "2024-01-01""#, u, "is a dateTime");
}

#[test]
fn schema_urn_paths() {
    let u = &*USER;
    check(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        u,
        true,
    );
    check(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName eq "JOHN SMITH""#,
        u,
        true,
    );
    check(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "70""#,
        u,
        true,
    );
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "BJ""#,
        u,
        true,
    );
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:meta.resourceType eq "User""#,
        u,
        true,
    );
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
        u,
        true,
    );
    check(r#"urn:omni:params:1.0:UserAttribute:userName pr"#, u, false);
}

#[test]
fn logic() {
    let u = &*USER;
    check(r#"not (userName eq "bjensen@example.com")"#, u, false);
    check(
        r#"userName eq "x" or userName eq "bjensen@example.com""#,
        u,
        true,
    );
    check("active eq true and embedEntity pr", u, false);
    check(
        r#"userName eq "x" or active eq true and loginCount eq 0"#,
        u,
        true,
    );
    check(
        r#"(userName eq "x" or active eq true) and loginCount eq 1"#,
        u,
        false,
    );
    check(r#"not (not (active eq true))"#, u, true);
    check(
        r#"embedEntity eq "tenant-17" and not (groups[display eq "Admins"])"#,
        &EMBED,
        true,
    );
    check(r#"displayName eq "admins" and members pr"#, &GROUP, true);
    check(r#"id eq "e1""#, &EMBED, true);
    // Evaluation short-circuits left to right: a later invalid term is not reached.
    check("active eq true or active gt true", u, true);
    invalid(
        "active gt true or active eq true",
        u,
        "booleans have no order",
    );
}

#[test]
fn invalid_filter_errors() {
    let u = &*USER;
    invalid("active gt true", u, "booleans have no order");
    invalid("active le false", u, "booleans have no order");
    invalid(
        r#"active co "t""#,
        u,
        "`co` works on strings, but `active` holds a boolean",
    );
    invalid("userName co 5", u, "`co` works on strings");
    invalid("userName sw true", u, "`sw` works on strings");
    invalid(r#"loginCount co "0""#, u, "`loginCount` holds a number");
    invalid(
        "userName gt 5",
        u,
        "`gt` cannot order a string against a number (`userName` holds a string)",
    );
    invalid(
        r#"score le "7.5""#,
        u,
        "`le` cannot order a number against a string",
    );
    invalid(
        r#"active ge "true""#,
        u,
        "booleans have no order (`active` holds a boolean)",
    );
    invalid("active lt 1", u, "booleans have no order");
    invalid(
        r#"emails[primary gt "yes"]"#,
        u,
        "`emails.primary` holds a boolean",
    );
    // Ordering on booleans is invalid whatever the data.
    invalid("unknownAttr gt false", u, "booleans have no order");
}

/// Before 2026-12-02 these were `invalidFilter` errors; RFC 7644 says values
/// "must be identical for a match", and values of different JSON types are
/// not (see `type_cases.rs` for the full table).
#[test]
fn equality_across_types_is_false() {
    let u = &*USER;
    check(r#"active eq "true""#, u, false);
    check(r#"active ne "true""#, u, true);
    check("userName eq 5", u, false);
    check("userName ne 5", u, true);
    check(r#"score eq "7.5""#, u, false);
    check(r#"score ne "7.5""#, u, true);
    check("active eq 1", u, false);
    check(r#"emails[primary eq "yes"]"#, u, false);
    check(r#"emails[primary ne "yes"]"#, u, true);
    check(r#"emails.primary eq "true""#, u, false);
    check(
        r#"urn:omni:params:1.0:UserAttribute:level eq "3""#,
        u,
        false,
    );
    check("emails eq 5", u, false);
    check("name eq 5", u, false);
    check(r#"name ne "Jensen""#, u, true);
    // `co` on a complex value without `value` is no match, not an error.
    check(r#"name co "Jensen""#, u, false);
}

#[test]
fn odd_resources_never_panic() {
    let f = Filter::parse(r#"value eq "x" or a.b pr or c[d pr]"#).unwrap();
    for v in [
        json!(null),
        json!("x"),
        json!(1),
        json!([1, 2]),
        json!({}),
        json!({"c": [1, null, {"d": []}]}),
    ] {
        let _ = f.evaluate(&v);
    }
    check(r#"value eq "x""#, &json!("x"), true);
}

#[test]
fn lookup_flattens_and_skips_nulls() {
    use crate::filter::AttrPath;
    let u = &*USER;
    let vals = |p: &str| AttrPath::parse(p).unwrap().lookup(u);
    assert_eq!(
        vals("emails.value"),
        [&json!("bjensen@example.com"), &json!("babs@jensen.org")]
    );
    assert_eq!(vals("USERNAME"), [&json!("Bjensen@Example.com")]);
    assert_eq!(vals("emails").len(), 2);
    assert!(vals("nickName").is_empty());
    assert!(vals("missing").is_empty());
    assert_eq!(vals("lastLogin"), [&json!("2024-06-30T23:59:59Z")]);
    assert_eq!(
        vals("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName"),
        [&json!("John Smith")]
    );
    assert_eq!(
        AttrPath::parse("embedEntity").unwrap().lookup(&EMBED),
        [&json!("Tenant-17")]
    );
}
