//! One test per JMESPath construct: each one the typed compiler supports compiles (and
//! the code it gives has the shape the README's table says), each one it rejects is a
//! compile error naming the construct and its column. The README's "Supported JMESPath"
//! table lists them with these tests' names.
//!
//! They run on a small service model of every shape kind (through `ShapeModel`, as the
//! corpus test does), so they do not depend on Batch's. Behaviour is checked elsewhere:
//! the kitchen-sink model (`waiters-macros/tests/models/kitchen-sink.json`) uses every
//! supported construct, its expansion is compiled under `deny(warnings)` and clippy, and
//! `waiters-runtime/tests/typed_vs_runtime.rs` checks it agrees with the run-time matcher.

use serde_json::{Value, json};
use waiters_codegen::ShapeModel;
use waiters_model::{Matcher, WaiterModel};

const SERVICE: &str = r#"{
  "metadata": {"serviceId": "Demo", "apiVersion": "2024-01-01"},
  "operations": {"DescribeThings": {"output": {"shape": "Output"}}},
  "shapes": {
    "Output": {"type": "structure", "members": {
      "things": {"shape": "Things"}, "count": {"shape": "Integer"},
      "token": {"shape": "String"}, "owner": {"shape": "Owner"},
      "names": {"shape": "Names"}, "grid": {"shape": "Grid"}}},
    "Things": {"type": "list", "member": {"shape": "Thing"}},
    "Thing": {"type": "structure", "required": ["id"], "members": {
      "id": {"shape": "String"}, "state": {"shape": "State"}, "size": {"shape": "Long"},
      "ratio": {"shape": "Double"}, "weight": {"shape": "Float"},
      "ready": {"shape": "Boolean"}, "created": {"shape": "Timestamp"},
      "tags": {"shape": "Tags"}, "parts": {"shape": "Parts"},
      "payload": {"shape": "Blob"}}},
    "Parts": {"type": "list", "member": {"shape": "Part"}},
    "Part": {"type": "structure", "members": {"code": {"shape": "Integer"}}},
    "Owner": {"type": "structure", "members": {"name": {"shape": "String"}}},
    "Tags": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "Names": {"type": "list", "member": {"shape": "String"}},
    "Grid": {"type": "list", "member": {"shape": "Names"}},
    "State": {"type": "string", "enum": ["ready", "failed", "in-use"]},
    "String": {"type": "string"}, "Integer": {"type": "integer"},
    "Long": {"type": "long"}, "Double": {"type": "double"}, "Float": {"type": "float"},
    "Boolean": {"type": "boolean"}, "Timestamp": {"type": "timestamp"},
    "Blob": {"type": "blob"}
  }
}"#;

/// A matcher of the given kind, as the model loader builds it.
fn matcher(kind: &str, argument: &str, expected: &Value) -> Matcher {
    let model = json!({"version": 2, "waiters": {"W": {
        "operation": "DescribeThings", "delay": 1, "maxAttempts": 1,
        "acceptors": [{"matcher": kind, "argument": argument, "expected": expected,
                       "state": "success"}]}}});
    let model = WaiterModel::from_json_str(&model.to_string())
        .unwrap_or_else(|e| panic!("{argument}: the model does not load: {e}"));
    model.waiter("W").expect("W").acceptors()[0].matcher.clone()
}

fn compile(kind: &str, argument: &str, expected: Value) -> Result<String, String> {
    let shapes = ShapeModel::from_botocore(SERVICE).expect("the demo service model");
    match shapes.compile("DescribeThings", &matcher(kind, argument, &expected)) {
        Ok(Some(compiled)) => Ok(compiled.code.to_string()),
        Ok(None) => Err("not a path matcher".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The code of a matcher that must compile.
fn code(kind: &str, argument: &str, expected: Value) -> String {
    compile(kind, argument, expected).unwrap_or_else(|e| panic!("{argument}: {e}"))
}

/// Asserts `argument` compiles to code containing each of `parts`.
fn supported(kind: &str, argument: &str, expected: Value, parts: &[&str]) {
    let code = code(kind, argument, expected);
    for part in parts {
        assert!(code.contains(part), "{argument}: no `{part}` in {code}");
    }
}

/// Asserts `argument` is rejected as the unsupported `construct` at `column`.
fn unsupported(argument: &str, column: usize, construct: &str) {
    let error = compile("path", argument, json!(true)).expect_err(argument);
    let start = format!("in `{argument}` at column {column}: {construct}");
    assert!(
        error.starts_with(&start) && error.contains(" cannot be compiled to Rust by waiters!"),
        "{argument}: {error}"
    );
}

/// Asserts `argument` is rejected with a message containing `message`.
fn rejected(kind: &str, argument: &str, expected: Value, message: &str) {
    let error = compile(kind, argument, expected).expect_err(argument);
    assert!(error.contains(message), "{argument}: {error}");
}

// Supported constructs.

#[test]
fn field() {
    supported("path", "count", json!(3), &["output . count ()"]);
    // A list member is read through its field: `null` and `[]` differ in JMESPath.
    supported(
        "path",
        "length(names)",
        json!(0),
        &["output . names . as_deref ()"],
    );
}

#[test]
fn subexpression() {
    supported(
        "path",
        "owner.name",
        json!("x"),
        &["output . owner () . and_then (| __o1 | __o1 . name ())"],
    );
}

#[test]
fn index() {
    supported("path", "things[0].id", json!("a"), &[". first ()"]);
    supported("path", "things[-1].id", json!("a"), &[". last ()"]);
    supported("path", "things[2].id", json!("a"), &[". get (2)"]);
    supported("path", "things[-3].id", json!("a"), &["checked_sub (3)"]);
    // On a projection (an iterator).
    supported("path", "things[].id | [1]", json!("a"), &[". nth (1)"]);
}

#[test]
fn list_projection() {
    supported("pathAll", "things[*].state", json!("ready"), &["path_all"]);
    supported("pathAny", "things[*].size", json!(1), &["path_any"]);
}

#[test]
fn flatten_projection() {
    supported("pathAny", "things[].parts[].code", json!(0), &["flat_map"]);
    supported("pathAny", "grid[]", json!("x"), &["flat_map"]);
}

#[test]
fn filter_projection() {
    supported("pathAny", "things[?ready].id", json!("a"), &["filter_map"]);
    supported(
        "path",
        "length(things[?state == 'failed'])",
        json!(0),
        &[". filter (", "State :: Failed"],
    );
}

#[test]
fn object_projection_over_a_map() {
    // Values in key order, as the run-time evaluator (sorted objects) lists them.
    supported(
        "pathAny",
        "things[0].tags.*",
        json!("v"),
        &["sort_unstable_by_key (| & (k , _) | k)"],
    );
    supported("path", "things[0].tags.* | [0]", json!("v"), &[". next ()"]);
}

#[test]
fn map_key() {
    supported(
        "path",
        "things[0].tags.env",
        json!("prod"),
        &["get (\"env\")"],
    );
}

#[test]
fn pipe() {
    supported("path", "things[].id | [0]", json!("a"), &[". next ()"]);
}

#[test]
fn current_node() {
    supported(
        "path",
        "things[?ready] | length(@)",
        json!(1),
        &[". count ()"],
    );
    supported(
        "pathAll",
        "things[].state | @",
        json!("ready"),
        &["path_all"],
    );
}

#[test]
fn parentheses() {
    supported("path", "(things[0]).id", json!("a"), &[". first ()"]);
}

#[test]
fn equality() {
    supported("path", "things[0].size == `2`", json!(true), &["num_eq"]);
    supported("path", "things[0].id != token", json!(true), &["!="]);
    supported(
        "path",
        "things[0].state == 'ready'",
        json!(true),
        &["State :: Ready"],
    );
    supported(
        "path",
        "things[0].ready == `true`",
        json!(true),
        &["== :: core :: option :: Option :: Some (true)"],
    );
}

#[test]
fn ordering() {
    for (op, helper) in [
        ("<", "num_lt"),
        ("<=", "num_le"),
        (">", "num_gt"),
        (">=", "num_ge"),
    ] {
        supported("path", &format!("count {op} `2`"), json!(true), &[helper]);
    }
    // Every number type, timestamps as seconds.
    for member in ["size", "ratio", "weight", "created"] {
        supported(
            "path",
            &format!("things[0].{member} > `1`"),
            json!(true),
            &["num_gt"],
        );
    }
}

#[test]
fn and() {
    // Rust's `&&` on two booleans; JMESPath's value (the left side when it is falsy)
    // where a side can be null.
    supported(
        "path",
        "contains(names, 'a') && contains(names, 'b')",
        json!(true),
        &[" && "],
    );
    supported(
        "path",
        "count > `1` && count < `9`",
        json!(true),
        &["__decided"],
    );
}

#[test]
fn or() {
    supported(
        "path",
        "contains(names, 'a') || contains(names, 'b')",
        json!(true),
        &[" || "],
    );
    supported(
        "path",
        "things[0].ready || count > `1`",
        json!(true),
        &["__decided"],
    );
    // Between two values of one type, as a value.
    supported("path", "things[0].id || token", json!("a"), &["__decided"]);
}

#[test]
fn not() {
    supported(
        "path",
        "!(things[0].ready)",
        json!(true),
        &["!= :: core :: option :: Option :: Some (true)"],
    );
    supported("path", "!contains(names, 'a')", json!(true), &["! {"]);
}

#[test]
fn raw_string_literal() {
    supported("path", "things[0].id == 'a'", json!(true), &["== \"a\""]);
}

#[test]
fn json_literals() {
    supported(
        "path",
        "things[0].id == `\"a\"`",
        json!(true),
        &["== \"a\""],
    );
    supported("path", "count == `1.5`", json!(true), &["1.5f64"]);
    supported(
        "path",
        "things[0].ready == `false`",
        json!(true),
        &["Some (false)"],
    );
    supported("path", "owner == `null`", json!(true), &[". is_none ()"]);
    supported("path", "names == `[\"a\", \"b\"]`", json!(true), &["__it"]);
}

#[test]
fn length_function() {
    supported(
        "path",
        "length(token)",
        json!(1),
        &[". chars () . count ()"],
    );
    supported("path", "length(names)", json!(1), &[". len ()"]);
    supported("path", "length(things[0].tags)", json!(1), &[". len ()"]);
    supported("path", "length(things[].id)", json!(1), &[". count ()"]);
}

#[test]
fn contains_function() {
    supported(
        "path",
        "contains(token, 'x')",
        json!(true),
        &[". contains ("],
    );
    supported("path", "contains(names, 'x')", json!(true), &[". any ("]);
    supported(
        "path",
        "contains(things[].state, 'failed')",
        json!(true),
        &["State :: Failed"],
    );
}

#[test]
fn matcher_expected_kinds() {
    supported("path", "token", json!("x"), &["== \"x\""]);
    supported("path", "count", json!(2), &["expected_int"]);
    supported("path", "things[0].ratio", json!(0.5), &["expected_float"]);
    supported("path", "things[0].ready", json!(true), &["is_some_and"]);
    supported("path", "token", Value::Null, &[". is_none ()"]);
    supported("path", "names", json!(["a"]), &["__it"]);
    supported("pathAll", "names", json!("a"), &["path_all"]);
    supported("pathAny", "grid[0]", json!("a"), &["path_any"]);
}

// Rejected constructs: each names itself and its column.

#[test]
fn slice() {
    unsupported("things[0:2].id", 10, "a slice (`[start:stop:step]`)");
}

#[test]
fn multi_select_list() {
    unsupported("things[].[id, state]", 9, "a multi-select list (`[a, b]`)");
}

#[test]
fn multi_select_hash() {
    unsupported("things[].{a: id}", 9, "a multi-select hash (`{a: b}`)");
}

#[test]
fn expression_reference() {
    unsupported("&id", 0, "an expression reference (`&expr`)");
}

#[test]
fn object_projection_over_a_structure() {
    unsupported(
        "owner.*",
        6,
        "an object wildcard (`*`) over a Owner structure (its members' values have \
         different Rust types)",
    );
}

#[test]
fn other_functions() {
    for (argument, column) in [
        ("abs(count)", 3),
        ("avg(things[].size)", 3),
        ("ceil(things[0].ratio)", 4),
        ("ends_with(token, 'x')", 9),
        ("floor(things[0].ratio)", 5),
        ("join(',', names)", 4),
        ("keys(things[0].tags)", 4),
        ("map(&id, things)", 3),
        ("max(things[].size)", 3),
        ("max_by(things, &size).id", 6),
        ("merge(owner, owner)", 5),
        ("min(things[].size)", 3),
        ("min_by(things, &size).id", 6),
        ("not_null(token, owner.name)", 8),
        ("reverse(names)", 7),
        ("sort(names)", 4),
        ("sort_by(things, &size)[0].id", 7),
        ("starts_with(token, 'x')", 11),
        ("sum(things[].size)", 3),
        ("to_array(token)", 8),
        ("to_number(token)", 9),
        ("to_string(count)", 9),
        ("type(token)", 4),
        ("values(things[0].tags)", 6),
    ] {
        let name = &argument[..column];
        unsupported(argument, column, &format!("the function {name}()"));
    }
}

#[test]
fn argument_that_is_only_a_literal() {
    unsupported("`1`", 0, "an argument that is only a literal");
}

#[test]
fn comparing_two_structures() {
    unsupported(
        "owner == owner",
        9,
        "a comparison of a Owner structure with a Owner structure",
    );
}

#[test]
fn comparing_two_lists_that_are_not_literals() {
    unsupported(
        "names == things[].id",
        18,
        "a comparison of two lists that are not literals",
    );
}

#[test]
fn and_or_as_values_of_two_types() {
    unsupported(
        "token || count",
        6,
        "`||` between a string and a number outside a filter or `!`",
    );
}

#[test]
fn length_of_a_structure() {
    unsupported("length(owner)", 6, "length() of a Owner structure");
}

#[test]
fn literal_object_in_a_comparison() {
    unsupported(
        "owner == `{}`",
        9,
        "a comparison of a Owner structure with a literal object",
    );
    unsupported(
        "things[0].tags == `{\"a\": \"b\"}`",
        18,
        "a comparison of a map of strings with a literal object",
    );
}

// Type rules: valid JMESPath that cannot do what it says on the typed output.

#[test]
fn type_rules() {
    for (kind, argument, expected, message) in [
        (
            "path",
            "thingz",
            json!(1),
            "Output has no member `thingz` (did you mean `things`?)",
        ),
        (
            "path",
            "things.id",
            json!("a"),
            "project over the list with `[].id`",
        ),
        (
            "path",
            "count[0]",
            json!(1),
            "indexes a number, which is not a list",
        ),
        ("path", "token > `1`", json!(true), "only order numbers"),
        ("path", "token == `1`", json!(true), "never equal"),
        (
            "path",
            "length(count)",
            json!(1),
            "length() at column 6 is given a number",
        ),
        (
            "path",
            "contains(count, `1`)",
            json!(true),
            "it takes a string or a list",
        ),
        (
            "path",
            "length(things[?parts[0]])",
            json!(1),
            "truth of a Part structure",
        ),
        (
            "path",
            "things[0].payload",
            json!("x"),
            "Blob is a blob, which acceptors cannot read",
        ),
        (
            "path",
            "count.*",
            json!(1),
            "`*` at column 6 takes the values of an object",
        ),
        ("pathAll", "count", json!(1), "pathAll needs a list"),
        (
            "path",
            "things[0].state == 'redy'",
            json!(true),
            "did you mean \"ready\"",
        ),
        (
            "pathAny",
            "things[].state",
            json!(1),
            "its elements are State strings",
        ),
        (
            "path",
            "length(token, names)",
            json!(1),
            "takes 1 argument(s), given 2",
        ),
    ] {
        rejected(kind, argument, expected, message);
    }
}
