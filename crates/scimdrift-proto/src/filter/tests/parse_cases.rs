//! Parsing: valid filters and their canonical form; invalid filters and the
//! error they produce; caret diagnostics (insta).

use crate::filter::{AttrPath, Filter, MAX_DEPTH, MAX_LEN, ParseErrorKind as K};

/// `input` parses, prints as `canonical`, and `canonical` parses to the same tree.
#[track_caller]
fn ok(input: &str, canonical: &str) {
    let filter = match Filter::parse(input) {
        Ok(f) => f,
        Err(e) => panic!("`{input}` should parse:\n{}", e.render(input)),
    };
    assert_eq!(filter.to_string(), canonical, "canonical form of `{input}`");
    let again = Filter::parse(canonical).expect("canonical form parses");
    assert_eq!(again, filter, "`{canonical}` re-parses to the same tree");
    assert_eq!(again.to_string(), canonical, "printing is idempotent");
}

/// `input` fails with `kind`, the span starting at byte `at`.
#[track_caller]
fn err(input: &str, kind: K, at: usize) {
    match Filter::parse(input) {
        Ok(f) => panic!("`{input}` should not parse, got `{f}`"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "kind for `{input}`: {}", e.render(input));
            assert_eq!(
                e.span().start,
                at,
                "span for `{input}`: {}",
                e.render(input)
            );
            assert!(e.span().end >= e.span().start);
            assert!(e.span().end <= input.len().max(e.span().start));
        }
    }
}

#[test]
fn rfc_examples() {
    // RFC 7644 §3.4.2.2, the example filters.
    ok(r#"userName eq "bjensen""#, r#"userName eq "bjensen""#);
    ok(
        r#"name.familyName co "O'Malley""#,
        r#"name.familyName co "O'Malley""#,
    );
    ok(r#"userName sw "J""#, r#"userName sw "J""#);
    ok(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    );
    ok("title pr", "title pr");
    ok(
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    );
    ok(
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    );
    ok(
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    );
    ok(
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    );
    ok(
        r#"title pr and userType eq "Employee""#,
        r#"title pr and userType eq "Employee""#,
    );
    ok(
        r#"title pr or userType eq "Intern""#,
        r#"title pr or userType eq "Intern""#,
    );
    ok(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    );
    ok(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    );
    ok(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    );
    ok(
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails.type eq "work""#,
    );
    ok(
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    );
    ok(
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    );
}

#[test]
fn every_operator_in_any_case() {
    for op in ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"] {
        let canonical = format!(r#"userName {op} "x""#);
        ok(&canonical, &canonical);
        ok(
            &format!(r#"userName {} "x""#, op.to_uppercase()),
            &canonical,
        );
        let mixed: String = op
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
            .collect();
        ok(&format!(r#"userName {mixed} "x""#), &canonical);
    }
    ok("title PR", "title pr");
    ok("title Pr", "title pr");
    ok("a pr AND b pr", "a pr and b pr");
    ok("a pr Or b pr", "a pr or b pr");
    ok("NOT (a pr)", "not (a pr)");
    ok("Not(a pr)", "not (a pr)");
}

#[test]
fn precedence_and_grouping() {
    ok("a pr or b pr and c pr", "a pr or b pr and c pr");
    ok("a pr and b pr or c pr", "a pr and b pr or c pr");
    ok("(a pr or b pr) and c pr", "(a pr or b pr) and c pr");
    ok("a pr and (b pr or c pr)", "a pr and (b pr or c pr)");
    ok("(a pr and b pr) or c pr", "a pr and b pr or c pr");
    ok("a pr or (b pr and c pr)", "a pr or b pr and c pr");
    ok("a pr or (b pr or c pr)", "a pr or (b pr or c pr)");
    ok("(a pr or b pr) or c pr", "(a pr or b pr) or c pr");
    ok("a pr and (b pr and c pr)", "a pr and (b pr and c pr)");
    ok("((a pr))", "a pr");
    ok("(((a pr) and (b pr)))", "a pr and b pr");
    ok("not (a pr) and b pr", "not (a pr) and b pr");
    ok("not (a pr and b pr) or c pr", "not (a pr and b pr) or c pr");
    ok("not (not (a pr))", "not (not (a pr))");
    ok("not ((a pr))", "not (a pr)");
    ok("(not (a pr))", "not (a pr)");
    ok(
        "a pr or b pr or c pr or d pr and e pr",
        "a pr or b pr or c pr or d pr and e pr",
    );
    ok(
        "(a pr or b pr) and (c pr or d pr)",
        "(a pr or b pr) and (c pr or d pr)",
    );
    // `not` binds tighter than `and`.
    let f = Filter::parse("not (a pr) and b pr").unwrap();
    assert!(matches!(f.expr().kind, crate::filter::ExprKind::And(ref t) if t.len() == 2));
    // `and` binds tighter than `or`: one `or` with two terms.
    let f = Filter::parse("a pr or b pr and c pr").unwrap();
    assert!(matches!(f.expr().kind, crate::filter::ExprKind::Or(ref t) if t.len() == 2));
}

#[test]
fn whitespace_leniency() {
    ok("  a pr  ", "a pr");
    ok("a\tpr", "a pr");
    ok("a  \t pr", "a pr");
    ok("a pr\nand\nb pr", "a pr and b pr");
    ok("a pr\r\nor\r\nb pr", "a pr or b pr");
    ok("( a pr )", "a pr");
    ok("not ( a pr )", "not (a pr)");
    ok("not(a pr)", "not (a pr)");
    ok("not   (a pr)", "not (a pr)");
    ok(r#"emails[ type eq "work" ]"#, r#"emails[type eq "work"]"#);
    ok(r#"emails [type eq "work"]"#, r#"emails[type eq "work"]"#);
    ok(r#"userName   eq   "x""#, r#"userName eq "x""#);
    ok("\n\ta pr\n", "a pr");
}

#[test]
fn keywords_are_whole_words_and_names_in_attribute_position() {
    ok("pr pr", "pr pr");
    ok("and pr", "and pr");
    ok(r#"or eq "x""#, r#"or eq "x""#);
    ok("not pr", "not pr");
    ok("not eq 1", "not eq 1");
    ok("never pr", "never pr");
    ok("order eq 1", "order eq 1");
    ok(r#"notes co "x""#, r#"notes co "x""#);
    ok("andrew pr", "andrew pr");
    ok(r#"eq eq "eq""#, r#"eq eq "eq""#);
    ok("not[value pr]", "not[value pr]");
    ok("pr pr and pr pr", "pr pr and pr pr");
    ok("or pr or and pr", "or pr or and pr");
    ok("notx pr", "notx pr");
    ok(r#"true eq true"#, r#"true eq true"#);
    ok("null eq null", "null eq null");
}

#[test]
fn json_literals_and_numbers() {
    ok("active eq true", "active eq true");
    ok("active eq false", "active eq false");
    ok("manager eq null", "manager eq null");
    ok("n eq 0", "n eq 0");
    ok("n eq 42", "n eq 42");
    ok("n eq -1.5", "n eq -1.5");
    ok("n eq 1e3", "n eq 1000.0");
    ok("n eq 1E+2", "n eq 100.0");
    ok("n eq 2.5e-3", "n eq 0.0025");
    ok("n eq -0", "n eq 0");
    ok("n eq -0.0", "n eq -0.0");
    ok("n eq 4.700141144687171e-169", "n eq 4.700141144687171e-169");
    ok("n eq 1.0", "n eq 1.0");
    ok("n eq 12345678901234567890", "n eq 12345678901234567890");
    ok("n eq -9223372036854775808", "n eq -9223372036854775808");
    ok("n gt 0.5", "n gt 0.5");
}

#[test]
fn json_strings() {
    ok(r#"a eq """#, r#"a eq """#);
    ok(r#"a eq "a\"b""#, r#"a eq "a\"b""#);
    ok(r#"a eq "back\\slash""#, r#"a eq "back\\slash""#);
    ok(r#"a eq "\/""#, r#"a eq "/""#);
    ok(r#"a eq "\b\f\n\r\t""#, r#"a eq "\b\f\n\r\t""#);
    ok(r#"a eq "\u00e9""#, r#"a eq "é""#);
    ok(r#"a eq "\u00E9""#, r#"a eq "é""#);
    ok(r#"a eq "\uD83D\uDE00""#, r#"a eq "😀""#);
    ok(r#"a eq "\ud83d\ude00""#, r#"a eq "😀""#);
    ok(r#"a eq "é😀""#, r#"a eq "é😀""#);
    ok(r#"a eq "\u0001""#, r#"a eq "\u0001""#);
    ok(r#"a eq "it's""#, r#"a eq "it's""#);
    ok(r#"a eq "a or b pr""#, r#"a eq "a or b pr""#);
    ok(r#"a eq "(]""#, r#"a eq "(]""#);
    ok("a eq \"\u{7f}\"", "a eq \"\\u007f\"");
}

#[test]
fn attribute_paths() {
    ok("members.$ref pr", "members.$ref pr");
    ok(
        r#"members[$ref eq "https://x/Users/1"]"#,
        r#"members[$ref eq "https://x/Users/1"]"#,
    );
    ok("$ref pr", "$ref pr");
    ok(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
    );
    ok(
        r#"urn:omni:params:1.0:UserAttribute:region eq "eu""#,
        r#"urn:omni:params:1.0:UserAttribute:region eq "eu""#,
    );
    ok(
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber pr",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber pr",
    );
    ok(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
    );
    ok("a-b_c pr", "a-b_c pr");
    ok("a1 pr", "a1 pr");
    ok("x.y-z pr", "x.y-z pr");
    ok("Name.FamilyName pr", "Name.FamilyName pr");
    ok(
        r#"embedEntity eq "tenant-17""#,
        r#"embedEntity eq "tenant-17""#,
    );
    ok(r#"embedExternalId eq "E1""#, r#"embedExternalId eq "E1""#);
}

#[test]
fn value_paths_and_entra_form() {
    ok(r#"emails[type eq "work"]"#, r#"emails[type eq "work"]"#);
    ok(
        r#"emails[not (type eq "work")]"#,
        r#"emails[not (type eq "work")]"#,
    );
    ok(
        r#"emails[type eq "work" or (primary eq true and value pr)]"#,
        r#"emails[type eq "work" or primary eq true and value pr]"#,
    );
    ok(
        r#"emails[type eq "work"].value eq "x""#,
        r#"emails[type eq "work" and value eq "x"]"#,
    );
    ok(
        r#"emails[type eq "work" and primary eq true].value co "x""#,
        r#"emails[type eq "work" and primary eq true and value co "x"]"#,
    );
    ok(
        r#"emails[type eq "work" or type eq "home"].value pr"#,
        r#"emails[(type eq "work" or type eq "home") and value pr]"#,
    );
    ok(
        r#"emails[type eq "work"].value eq "x" and active eq true"#,
        r#"emails[type eq "work" and value eq "x"] and active eq true"#,
    );
    ok(
        r#"members[value eq "u1"] and displayName sw "A""#,
        r#"members[value eq "u1"] and displayName sw "A""#,
    );
    ok(
        r#"not (groups[display eq "Admins"])"#,
        r#"not (groups[display eq "Admins"])"#,
    );
}

#[test]
fn long_chains_parse_iteratively() {
    let n = 20_000;
    let text = (0..n)
        .map(|i| format!(r#"userName eq "user{i}@example.com""#))
        .collect::<Vec<_>>()
        .join(" or ");
    let f = Filter::parse(&text).unwrap();
    assert!(matches!(f.expr().kind, crate::filter::ExprKind::Or(ref t) if t.len() == n));
    assert_eq!(f.to_string(), text);
    let v = serde_json::json!({"userName": "USER19999@example.com"});
    assert_eq!(f.evaluate(&v), Ok(true));
    let ands = vec!["a pr"; n].join(" and ");
    assert!(Filter::parse(&ands).is_ok());
}

#[test]
fn depth_cap() {
    let nested = |d: usize| format!("{}a pr{}", "(".repeat(d), ")".repeat(d));
    assert!(Filter::parse(&nested(MAX_DEPTH)).is_ok());
    err(&nested(MAX_DEPTH + 1), K::TooDeep, MAX_DEPTH);
    let nots = |d: usize| format!("{}a pr{}", "not (".repeat(d), ")".repeat(d));
    assert!(Filter::parse(&nots(MAX_DEPTH)).is_ok());
    err(&nots(MAX_DEPTH + 1), K::TooDeep, MAX_DEPTH * 5 + 4);
    // A hostile input far past the cap is still a clean error.
    err(&nested(100_000), K::TooDeep, MAX_DEPTH);
    err(&"not (".repeat(100_000), K::TooDeep, MAX_DEPTH * 5 + 4);
    err(&"a[".repeat(100), K::NestedValuePath, 3);
}

#[test]
fn length_cap() {
    let long = format!(r#"a eq "{}""#, "x".repeat(MAX_LEN));
    err(&long, K::TooLong, MAX_LEN);
    let fits = format!(r#"a eq "{}""#, "x".repeat(MAX_LEN - 8));
    assert!(Filter::parse(&fits).is_ok());
}

#[test]
fn invalid_filters() {
    err("", K::Empty, 0);
    err("   \n\t", K::Empty, 0);
    err(r#"userName == "x""#, K::UnexpectedChar, 9);
    err(r#"userName = "x""#, K::UnexpectedChar, 9);
    err(r#"userName != "x""#, K::UnexpectedChar, 9);
    err("n >= 1", K::UnexpectedChar, 2);
    err("n < 1", K::UnexpectedChar, 2);
    err("a pr && b pr", K::UnexpectedChar, 5);
    err("a pr || b pr", K::UnexpectedChar, 5);
    err("!(a pr)", K::UnexpectedChar, 0);
    err("userName eq 'x'", K::UnexpectedChar, 12);
    err("userName eq “x”", K::UnexpectedChar, 12);
    err("a\u{1}pr", K::UnexpectedChar, 1);
    err("café pr", K::UnexpectedChar, 3);
    err("_a pr", K::UnexpectedChar, 0);
    err(r#"userName eq "a" "b""#, K::UnexpectedToken, 16);
    err(r#"userName eq "a" x"#, K::UnexpectedToken, 16);
    err(r#""x" eq userName"#, K::UnexpectedToken, 0);
    err("1 eq 1", K::UnexpectedToken, 0);
    err("a pr or", K::UnexpectedToken, 7);
    err("a pr and", K::UnexpectedToken, 8);
    err("a pr and ", K::UnexpectedToken, 9);
    err("()", K::UnexpectedToken, 1);
    err("not ()", K::UnexpectedToken, 5);
    err("not (a pr) b", K::UnexpectedToken, 11);
    err("(a pr) (b pr)", K::UnexpectedToken, 7);
    err(r#"userName "x""#, K::ExpectedOperator, 9);
    err("userName", K::ExpectedOperator, 8);
    err(r#"userName"x""#, K::ExpectedOperator, 8);
    err(r#"userName equals "x""#, K::UnknownOperator, 9);
    err(r#"userName eq5"#, K::UnknownOperator, 9);
    err("not a pr", K::UnknownOperator, 4);
    err("a pr or or b pr", K::UnknownOperator, 11);
    err("active eq TRUE", K::ExpectedValue, 10);
    err("active eq True", K::ExpectedValue, 10);
    err("active eq FALSE", K::ExpectedValue, 10);
    err("manager eq NULL", K::ExpectedValue, 11);
    err("userName eq bjensen", K::ExpectedValue, 12);
    err("userName eq", K::ExpectedValue, 11);
    err("userName eq (", K::ExpectedValue, 12);
    err("n eq NaN", K::ExpectedValue, 5);
    err("n eq Infinity", K::ExpectedValue, 5);
    err(r#"userName eq"x""#, K::MissingWhitespace, 11);
    err("n eq-1", K::UnknownOperator, 2);
    err("a pr and(b pr)", K::MissingWhitespace, 8);
    err("(a pr)and (b pr)", K::MissingWhitespace, 6);
    err(r#"a eq "x"or b pr"#, K::MissingWhitespace, 8);
    err("n eq 01", K::InvalidNumber, 5);
    err("n eq -01", K::InvalidNumber, 5);
    err("n eq +1", K::InvalidNumber, 5);
    err("n eq .5", K::InvalidNumber, 5);
    err("n eq 5.", K::InvalidNumber, 5);
    err("n eq 0x10", K::InvalidNumber, 5);
    err("n eq 1e", K::InvalidNumber, 5);
    err("n eq 1e+", K::InvalidNumber, 5);
    err("n eq -", K::InvalidNumber, 5);
    err("n eq 1.2.3", K::InvalidNumber, 5);
    err("n eq 1e999", K::InvalidNumber, 5);
    err("n eq -Infinity", K::InvalidNumber, 5);
    err("n eq 1and b pr", K::InvalidNumber, 5);
    err("1abc pr", K::InvalidNumber, 0);
    err(r#"a eq "abc"#, K::InvalidString, 5);
    err(r#"a eq "abc\"#, K::InvalidString, 9);
    err(r#"a eq "a\qb""#, K::InvalidString, 7);
    err(r#"a eq "a\'b""#, K::InvalidString, 7);
    err(r#"a eq "\x41""#, K::InvalidString, 6);
    err("a eq \"a\tb\"", K::InvalidString, 7);
    err("a eq \"a\nb\"", K::InvalidString, 7);
    err("a eq \"\u{0}\"", K::InvalidString, 6);
    err(r#"a eq "\u12""#, K::InvalidString, 6);
    err(r#"a eq "\uZZZZ""#, K::InvalidString, 6);
    err(r#"a eq "\uD800""#, K::InvalidString, 6);
    err(r#"a eq "\uDC00""#, K::InvalidString, 6);
    err(r#"a eq "\uD800\u0041""#, K::InvalidString, 6);
    err(r#"a eq "\uD800\uD800""#, K::InvalidString, 6);
    err("emails.value.x pr", K::InvalidAttrPath, 12);
    err("$ pr", K::InvalidAttrPath, 0);
    err("$1 pr", K::InvalidAttrPath, 0);
    err("a$b pr", K::InvalidAttrPath, 0);
    err("a..b pr", K::InvalidAttrPath, 2);
    err("a. pr", K::InvalidAttrPath, 2);
    err("a pr or members.", K::InvalidAttrPath, 16);
    err("foo:bar pr", K::InvalidAttrPath, 0);
    err("urn:x:y: pr", K::InvalidAttrPath, 8);
    err(r#"emails.type[value pr]"#, K::InvalidAttrPath, 0);
    err(r#"emails[urn:a:b:c pr]"#, K::InvalidAttrPath, 7);
    err(r#"emails[value.x pr]"#, K::InvalidAttrPath, 12);
    err(r#"emails[type eq "work"]."#, K::InvalidAttrPath, 22);
    err(
        r#"emails[type eq "work"]. value pr"#,
        K::InvalidAttrPath,
        22,
    );
    err(r#"emails[type eq "work"].a.b pr"#, K::InvalidAttrPath, 24);
    err(r#"emails[type eq "work"].value"#, K::ExpectedOperator, 28);
    err(
        r#"emails[type eq "work"] .value eq "x""#,
        K::UnexpectedToken,
        23,
    );
    err("(a pr", K::Unclosed, 0);
    err("not (a pr", K::Unclosed, 4);
    err("((a pr)", K::Unclosed, 0);
    err("emails[type pr", K::Unclosed, 6);
    err("a pr)", K::Unmatched, 4);
    err("a pr]", K::Unmatched, 4);
    err("(a pr]", K::Unmatched, 5);
    err("emails[type pr)", K::Unmatched, 14);
    err("emails[type[value pr]]", K::NestedValuePath, 11);
    err("a[b pr] and c[d[e pr]]", K::NestedValuePath, 15);
}

#[test]
fn attr_path_parse() {
    let p = AttrPath::parse("emails.value").unwrap();
    assert_eq!(
        p,
        AttrPath {
            urn: None,
            name: "emails".into(),
            sub: Some("value".into())
        }
    );
    let p = AttrPath::parse(
        " urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ",
    )
    .unwrap();
    assert_eq!(
        p.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!(
        p.to_string(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    );
    assert_eq!(AttrPath::parse("$ref").unwrap().name, "$ref");
    assert_eq!(
        AttrPath::parse("a.b.c").unwrap_err().kind(),
        K::InvalidAttrPath
    );
    assert_eq!(
        AttrPath::parse("a b").unwrap_err().kind(),
        K::UnexpectedToken
    );
    assert_eq!(AttrPath::parse("").unwrap_err().kind(), K::InvalidAttrPath);
    assert_eq!(
        AttrPath::parse("\"a\"").unwrap_err().kind(),
        K::InvalidAttrPath
    );
}

#[test]
fn attribute_paths_in_source_order() {
    let f = Filter::parse(
        r#"userName eq "x" and (emails[type eq "work" and value pr] or urn:omni:params:1.0:UserAttribute:region pr) and not (meta.created gt "2024-01-01T00:00:00Z")"#,
    )
    .unwrap();
    let paths: Vec<String> = f
        .attribute_paths()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        paths,
        [
            "userName",
            "emails.type",
            "emails.value",
            "urn:omni:params:1.0:UserAttribute:region",
            "meta.created"
        ]
    );
}

#[test]
fn spans_point_at_nodes() {
    let src = r#"a pr and (b eq "x" or c pr)"#;
    let f = Filter::parse(src).unwrap();
    assert_eq!(f.expr().span, 0..src.len());
    let crate::filter::ExprKind::And(terms) = &f.expr().kind else {
        panic!("and expected")
    };
    assert_eq!(&src[terms[0].span.clone()], "a pr");
    assert_eq!(&src[terms[1].span.clone()], r#"(b eq "x" or c pr)"#);
}

/// Every diagnostic's rendering, reviewed as one snapshot.
#[test]
fn diagnostics() {
    let cases = [
        "active eq TRUE",
        "manager eq Null",
        "userName eq bjensen",
        r#"userName == "x""#,
        r#"userName != "x""#,
        "userName eq 'x'",
        r#"userName eq"x""#,
        r#"userName equals "x""#,
        r#"userName eq5"#,
        "not a pr",
        r#"userName "x""#,
        "userName",
        "userName eq",
        r#"userName eq "a" "b""#,
        "a pr and(b pr)",
        "",
        "(a pr",
        "a pr)",
        "emails[type eq \"work\"",
        "emails[type[value pr]]",
        "emails.type[value pr]",
        "emails.value.x pr",
        "foo:bar pr",
        "n eq 01",
        "n eq +1",
        "n eq .5",
        "n eq 5.",
        "n eq 0x10",
        "n eq NaN",
        "n eq 1e999",
        r#"a eq "unterminated"#,
        r#"a eq "a\qb""#,
        r#"a eq "\uD800""#,
        r#"a eq "\u12""#,
        "a eq \"tab\there\"",
        "userName eq \"x\" and\n  emails.value co 'y'",
        "displayName eq \"Émigré\" and x == 1",
        &format!("{}a pr{}", "(".repeat(65), ")".repeat(65)),
    ];
    let mut out = String::new();
    for case in cases {
        let e = Filter::parse(case).expect_err(case);
        out.push_str(&format!("--- {case:?}\n{}\n", e.render(case)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn display_of_error_names_the_byte() {
    let e = Filter::parse("active eq TRUE").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected a JSON value, found `TRUE` at byte 10"
    );
    assert_eq!(e.message(), "expected a JSON value, found `TRUE`");
    assert_eq!(e.hint(), Some("JSON literals are lowercase: `true`"));
    assert_eq!(e.span(), 10..14);
}

/// `Filter::comparisons`: full paths and the literal's span as written.
#[test]
fn comparisons_point_at_their_literals() {
    #[track_caller]
    fn check(text: &str, expected: &[(&str, &str)]) {
        let filter = Filter::parse(text).unwrap();
        let got: Vec<(String, &str)> = filter
            .comparisons(text)
            .into_iter()
            .map(|c| (format!("{} {}", c.path, c.op), &text[c.value_span]))
            .collect();
        let want: Vec<(String, &str)> = expected
            .iter()
            .map(|(p, v)| ((*p).to_owned(), *v))
            .collect();
        assert_eq!(got, want, "`{text}`");
    }
    check(r#"active eq "true""#, &[("active eq", r#""true""#)]);
    check("  userName   EQ\t5  ", &[("userName eq", "5")]);
    check(
        r#"a eq "x\" or b eq \"y" and not (c gt 1e3) or d pr"#,
        &[("a eq", r#""x\" or b eq \"y""#), ("c gt", "1e3")],
    );
    check(
        r#"emails[type eq "work"].value co "@x" or urn:omni:params:1.0:UserAttribute:vip ne false"#,
        &[
            ("emails.type eq", r#""work""#),
            ("emails.value co", r#""@x""#),
            ("urn:omni:params:1.0:UserAttribute:vip ne", "false"),
        ],
    );
    check(
        "x eq null\n and\n y le -0.5",
        &[("x eq", "null"), ("y le", "-0.5")],
    );
    check("x pr", &[]);
    // Another source than the filter's: empty spans, never a panic.
    let filter = Filter::parse(r#"a eq "long value""#).unwrap();
    for c in filter.comparisons("a eq 1") {
        assert!(c.value_span.is_empty());
    }
}

#[test]
fn operator_keywords_in_any_case() {
    use crate::filter::CompareOp;
    for op in CompareOp::ALL {
        let word = op.as_str();
        assert_eq!(CompareOp::from_keyword(word), Some(op));
        assert_eq!(CompareOp::from_keyword(&word.to_uppercase()), Some(op));
        let mixed: String = word
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
            .collect();
        assert_eq!(CompareOp::from_keyword(&mixed), Some(op));
    }
    for word in ["", "e", "eqq", "pr", "and", "eé", "q"] {
        assert_eq!(CompareOp::from_keyword(word), None, "{word}");
    }
}
