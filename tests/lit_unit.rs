//! Unit tests of the lit runner's pieces: directive parsing, output matching,
//! diagnostic matching and blessing. (tests/lit.rs itself has no harness.)

#[path = "lit/bless.rs"]
mod bless;
#[path = "lit/directives.rs"]
mod directives;
#[path = "lit/matcher.rs"]
mod matcher;

use directives::{parse, Check, Exit};
use matcher::{diff, match_checks, match_errors, match_ordered, parse_diagnostics};

fn checks(v: &[(&str, &str)]) -> Vec<Check> {
    v.iter()
        .map(|(k, t)| match *k {
            "CHECK" => Check::Check(t.to_string()),
            "NEXT" => Check::Next(t.to_string()),
            _ => Check::Not(t.to_string()),
        })
        .collect()
}

#[test]
fn parses_directives_in_comments_and_after_code() {
    let src = "// RUN: %dc run %s\nfunc main() -> int32 {\n    x := 1 // ERROR: unused variable 'x'\n    println(\"a // b\") // CHECK: a // b\n    return 0 // CHECK-NEXT: c\n}\n// EXIT: 3\n// CHECK-NOT: zzz\n// TARGETS: x86_64\n// XFAIL-aarch64: backend\n// STDIN: hello\n// NOTE: ordinary comment\n";
    let s = parse(src).unwrap();
    assert_eq!(s.runs, vec!["%dc run %s"]);
    assert_eq!(s.errors, vec![(3, "unused variable 'x'".to_string())]);
    assert_eq!(
        s.checks,
        vec![(4, Check::Check("a // b".into())), (5, Check::Next("c".into())), (8, Check::Not("zzz".into()))]
    );
    assert_eq!(s.exit, Some(Exit::Code(3)));
    assert_eq!(s.targets, Some(vec!["x86_64".to_string()]));
    assert!(s.runs_on("x86_64") && !s.runs_on("aarch64"));
    assert_eq!(s.xfail_for("aarch64"), Some("backend"));
    assert_eq!(s.xfail_for("x86_64"), None);
    assert_eq!(s.stdin.as_deref(), Some("hello\n"));
}

#[test]
fn default_exit_is_nonzero_with_errors() {
    let s = parse("// RUN: %dc check %s\nx := 1 // ERROR: boom\n").unwrap();
    assert_eq!(s.expected_exit(), Exit::NonZero);
    assert!(!s.is_blessable());
    let s = parse("// RUN: %dc run %s\n").unwrap();
    assert_eq!(s.expected_exit(), Exit::Code(0));
    assert!(s.is_blessable());
    assert_eq!(parse("// RUN: x\n// EXIT: nonzero\n").unwrap().expected_exit(), Exit::NonZero);
}

#[test]
fn rejects_malformed_files() {
    assert!(parse("// CHECK: x\n").is_err(), "no RUN line");
    assert!(parse("// RUN: x\n// CHEKC: y\n// CHECKS: z\n").is_err(), "typo of a directive");
    assert!(parse("// RUN: x\n// EXIT: lots\n").is_err());
    assert!(parse("// RUN: x\n// TARGETS: mips\n").is_err());
    assert!(parse("// RUN: x\n// ERROR:\n").is_err());
}

#[test]
fn error_offsets_name_other_lines() {
    let s = parse("// RUN: x\n\n// ERROR@+1: here\nbad\n// ERROR@-2: there\n").unwrap();
    assert_eq!(s.errors, vec![(4, "here".to_string()), (3, "there".to_string())]);
}

#[test]
fn check_is_ordered_substring() {
    let out = "alpha\nbeta gamma\ndelta\n";
    assert!(match_checks(out, &checks(&[("CHECK", "alpha"), ("CHECK", "gamma"), ("CHECK", "delta")])).is_ok());
    assert!(match_checks(out, &checks(&[("CHECK", "beta"), ("CHECK", "gamma")])).is_ok(), "two matches on one line");
    let e = match_checks(out, &checks(&[("CHECK", "delta"), ("CHECK", "alpha")])).unwrap_err();
    assert_eq!(e.index, 1);
}

#[test]
fn check_next_needs_the_following_line() {
    let out = "a\nb\nc\n";
    assert!(match_checks(out, &checks(&[("CHECK", "a"), ("NEXT", "b"), ("NEXT", "c")])).is_ok());
    assert!(match_checks(out, &checks(&[("CHECK", "a"), ("NEXT", "c")])).is_err());
    assert!(match_checks(out, &checks(&[("NEXT", "a")])).is_ok(), "a leading CHECK-NEXT is the first line");
    assert!(match_checks(out, &checks(&[("CHECK", "c"), ("NEXT", "")])).is_err(), "no line after the last");
    assert!(match_checks("x\n\ny\n", &checks(&[("CHECK", "x"), ("NEXT", ""), ("NEXT", "y")])).is_ok());
}

#[test]
fn check_not_between_matches() {
    let out = "start\nnoise\nend\ntail bad\n";
    assert!(match_checks(out, &checks(&[("CHECK", "start"), ("NOT", "bad"), ("CHECK", "end")])).is_ok());
    let e = match_checks(out, &checks(&[("CHECK", "start"), ("NOT", "noise"), ("CHECK", "end")])).unwrap_err();
    assert_eq!(e.index, 1);
    assert!(match_checks(out, &checks(&[("CHECK", "end"), ("NOT", "bad")])).is_err(), "a trailing NOT runs to the end");
    assert!(match_checks(out, &checks(&[("NOT", "zzz")])).is_ok());
}

#[test]
fn stderr_substrings_in_order() {
    let err = "warning x\nfatal: shift amount out of range at t.dusk:4\n";
    assert!(match_ordered(err, &["warning".into(), "fatal: shift".into()]).is_ok());
    assert!(match_ordered(err, &["fatal".into(), "warning".into()]).is_err());
}

#[test]
fn diagnostics_are_matched_by_line() {
    let err = "testsuite/a.dusk:3:5: error: unused variable 'x'\n  x := 1\n  ^\ntestsuite/a.dusk: 7:1: error: undefined name 'y'\n";
    let d = parse_diagnostics(err);
    assert_eq!(d.len(), 2);
    assert_eq!((d[1].line, d[1].path.as_str()), (7, "testsuite/a.dusk"));
    let file = "testsuite/a.dusk";
    let both = vec![(3, "unused variable 'x'".to_string()), (7, "undefined name".to_string())];
    assert!(match_errors(err, file, &both).is_empty());
    // The wrong line is a miss; the diagnostic left over is unexpected.
    let wrong = vec![(4, "unused variable 'x'".to_string()), (7, "undefined name".to_string())];
    assert_eq!(match_errors(err, file, &wrong).len(), 2);
    // An error for another file (an import) is not this test's business.
    assert!(match_errors("lib/x.dusk:1:1: error: boom\n", file, &[]).is_empty());
}

#[test]
fn diff_marks_missing_and_extra_lines() {
    let d = diff(&["1", "2", "3"], &["1", "3", "4"]);
    assert_eq!(d, "   1\n  -2\n   3\n  +4\n");
}

#[test]
fn bless_rewrites_checks_and_exit() {
    let src = "// RUN: %dc run %s\nfunc main() -> int32 {\n    return 0\n}\n// CHECK: old\n// CHECK-NEXT: older\n// CHECK-NOT: never\n";
    let got = bless::bless(src, "new\n\nlast\n", 4);
    assert_eq!(
        got,
        "// RUN: %dc run %s\nfunc main() -> int32 {\n    return 0\n}\n// CHECK: new\n// CHECK-NEXT:\n// CHECK-NEXT: last\n// CHECK-NOT: never\n// EXIT: 4\n"
    );
    // Blessing the same output again changes nothing; status 0 drops EXIT.
    assert_eq!(bless::bless(&got, "new\n\nlast\n", 4), got);
    assert!(!bless::bless(&got, "new\n", 0).contains("EXIT"));
    // A blessed file parses back to checks that match its output.
    let s = parse(&got).unwrap();
    let cs: Vec<Check> = s.checks.into_iter().map(|(_, c)| c).collect();
    assert!(match_checks("new\n\nlast\n", &cs).is_ok());
}
