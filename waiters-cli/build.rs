//! Names the git commit in `waiters --version`: from the repository when the crate is
//! built inside its git checkout, from `.cargo_vcs_info.json` when it is built from its
//! packaged `.crate` (which `cargo package` writes), else nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    let commit = commit_from_git(&manifest_dir).or_else(|| commit_from_package(&manifest_dir));
    let suffix = match commit {
        Some(commit) => format!(" (commit {commit})"),
        None => String::new(),
    };
    println!("cargo:rustc-env=WAITERS_VERSION_SUFFIX={suffix}");
}

/// Runs git in `dir`; its trimmed output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned())
}

/// The commit checked out, when this crate is part of the checkout (not when an
/// unpacked copy of it happens to sit inside some other repository).
fn commit_from_git(manifest_dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(manifest_dir, &["rev-parse", "--show-toplevel"])?);
    let workspace = manifest_dir.parent()?;
    if top.canonicalize().ok()? != workspace.canonicalize().ok()? {
        return None;
    }
    // Build again when HEAD moves: HEAD itself, the branch it names, packed refs.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(manifest_dir, &["rev-parse", "--git-path", &name]) {
            let path = PathBuf::from(path);
            let path = if path.is_absolute() {
                path
            } else {
                manifest_dir.join(path)
            };
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    git(manifest_dir, &["rev-parse", "--short=12", "HEAD"])
}

/// The commit `cargo package` recorded in `.cargo_vcs_info.json` (`"sha1": "..."`).
fn commit_from_package(manifest_dir: &Path) -> Option<String> {
    let path = manifest_dir.join(".cargo_vcs_info.json");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path).ok()?;
    let (_, rest) = text.split_once("\"sha1\"")?;
    let (_, rest) = rest.split_once('"')?;
    let (sha1, _) = rest.split_once('"')?;
    let valid = sha1.len() >= 12 && sha1.bytes().all(|b| b.is_ascii_hexdigit());
    valid.then(|| sha1[..12].to_owned())
}
