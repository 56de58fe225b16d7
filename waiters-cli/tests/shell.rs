//! Shell conventions: completion scripts for four shells and man pages, generated from
//! the parser's own definition, and `--version` naming the commit.

mod common;

use common::{assert_exit, repo_root, stderr, stdout, temp_dir, waiters};

/// `waiters ARGS`, exit 0, its stdout.
fn run(args: &[&str]) -> String {
    let output = waiters().args(args).output().expect("runs");
    assert_exit(&output, 0);
    stdout(&output)
}

/// The subcommands `waiters --help` lists (its `Commands:` section).
fn subcommands() -> Vec<String> {
    let help = run(&["--help"]);
    let names: Vec<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 8, "{help}");
    names
}

#[test]
fn every_shell_gets_its_completion_script() {
    for (shell, marker) in [
        ("bash", "complete -F _waiters"),
        ("zsh", "#compdef waiters"),
        ("fish", "complete -c waiters"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        // fish names long options without their dashes (`-l profile`).
        for option in ["terminate-on-interrupt", "profile", "events-queue"] {
            assert!(script.contains(option), "{shell} completes --{option}");
        }
    }
}

#[test]
fn the_bash_script_names_every_subcommand() {
    let script = run(&["completions", "bash"]);
    // What `waiters <TAB>` offers: the first word list, the top level's.
    let top_level: Vec<&str> = script
        .lines()
        .find_map(|line| line.trim().strip_prefix("opts=\"-h -V --help --version "))
        .and_then(|words| words.strip_suffix('"'))
        .expect("the top level's word list")
        .split(' ')
        .collect();
    for name in subcommands() {
        assert!(
            top_level.contains(&name.as_str()),
            "{name} in {top_level:?}"
        );
        assert!(
            script.contains(&format!("waiters,{name})")),
            "bash completes {name}'s options"
        );
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let dir = temp_dir("completions");
    let path = dir.join("waiters.bash");
    std::fs::write(&path, run(&["completions", "bash"])).expect("write the script");
    let Ok(status) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
    else {
        eprintln!("no bash here: syntax not checked");
        return;
    };
    assert!(status.success(), "bash -n {}", path.display());
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = waiters()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("tcsh"), "{}", stderr(&output));
}

/// Renders roff with groff as plain text, wide enough that no option is hyphenated; the
/// roff itself when groff is not installed.
fn render(roff: &str) -> String {
    use std::io::Write;
    let child = std::process::Command::new("groff")
        .args(["-man", "-Tascii", "-P", "-cbou", "-rLL=300n"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("no groff here: the roff text is checked instead");
        return roff.replace("\\-", "-");
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(roff.as_bytes())
        .expect("write to groff");
    let output = child.wait_with_output().expect("groff runs");
    assert!(output.status.success(), "groff fails on the page");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_wait_for_job_man_page_renders_its_options() {
    let page = render(&run(&["man", "wait-for-job"]));
    assert!(page.contains("NAME"), "{page}");
    assert!(page.contains("waiters-wait-for-job"), "{page}");
    for option in [
        "--terminate-on-interrupt",
        "--profile <NAME>",
        "--max-wait <SECS>",
        "--output <OUTPUT>",
    ] {
        assert!(page.contains(option), "the page shows {option}: {page}");
    }
    assert!(
        page.contains("needs batch:TerminateJob"),
        "the option's help: {page}"
    );
}

#[test]
fn the_main_man_page_lists_the_commands_and_exit_codes() {
    let page = render(&run(&["man"]));
    for name in subcommands() {
        assert!(
            page.contains(&format!("waiters-{name}")),
            "lists {name}: {page}"
        );
    }
    assert!(page.contains("Exit codes:"), "{page}");
    assert!(page.contains("aws sso login"), "{page}");
}

#[test]
fn man_dir_writes_a_page_per_command() {
    let dir = temp_dir("man");
    run(&["man", "--dir", &dir.display().to_string()]);
    let mut expected = vec!["waiters.1".to_owned()];
    expected.extend(subcommands().iter().map(|name| format!("waiters-{name}.1")));
    for name in expected {
        let text = std::fs::read_to_string(dir.join(&name))
            .unwrap_or_else(|e| panic!("{name} written: {e}"));
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{name} is roff");
    }
}

#[test]
fn man_of_an_unknown_command_is_a_usage_error() {
    let output = waiters().args(["man", "wiat"]).output().expect("runs");
    assert_exit(&output, 2);
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).starts_with("waiters: no command wiat (the commands: list, show,"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let version = run(&["--version"]);
    let head = std::process::Command::new("git")
        .args(["-C", &repo_root().display().to_string()])
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    match head {
        Some(commit) => assert_eq!(
            version,
            format!("waiters {} (commit {commit})\n", env!("CARGO_PKG_VERSION"))
        ),
        // Not a git checkout: the version alone.
        None => assert_eq!(version, format!("waiters {}\n", env!("CARGO_PKG_VERSION"))),
    }
}
