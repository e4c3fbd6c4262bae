//! Embeds GraphiQL in the binary so the running server needs no network (an intranet
//! has none). At build time, `npm ci` installs the pinned graphiql@3 and react@18 UMD
//! builds from `graphiql/package-lock.json` into OUT_DIR; `src/http/graphiql.rs` then
//! includes the files. Without npm (or with BANLI_SKIP_NPM=1) the build still succeeds
//! and the server says at `GET /graphql` that GraphiQL is unavailable.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ASSETS: [(&str, &str); 4] = [
    ("GRAPHIQL_JS", "node_modules/graphiql/graphiql.min.js"),
    ("GRAPHIQL_CSS", "node_modules/graphiql/graphiql.min.css"),
    ("REACT_JS", "node_modules/react/umd/react.production.min.js"),
    (
        "REACT_DOM_JS",
        "node_modules/react-dom/umd/react-dom.production.min.js",
    ),
];

fn install(dir: &Path) -> Result<(), String> {
    if env::var_os("BANLI_SKIP_NPM").is_some() {
        return Err("BANLI_SKIP_NPM is set".into());
    }
    if ASSETS.iter().all(|(_, file)| dir.join(file).is_file()) {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(Path::new("graphiql").join(file), dir.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    let status = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("npm is not available ({e})"))?;
    if !status.success() {
        return Err(format!("npm ci failed ({status})"));
    }
    match ASSETS.iter().find(|(_, file)| !dir.join(file).is_file()) {
        Some((_, missing)) => Err(format!("npm installed no {missing}")),
        None => Ok(()),
    }
}

/// Output of a git command in the source tree, if git and the repository are there.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// The commit and the day this binary is built from, for `banli --version`, the start-up
/// log and the `banli_build_info` metric: `BANLI_GIT_COMMIT` (set it where the source is a
/// tarball without git) or git's, and `SOURCE_DATE_EPOCH` (reproducible builds) or today
/// (UTC). Reruns when HEAD moves.
fn build_info() {
    println!("cargo:rerun-if-env-changed=BANLI_GIT_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let head = Path::new(".git/HEAD");
    if head.is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        let reference = fs::read_to_string(head).unwrap_or_default();
        if let Some(name) = reference.trim().strip_prefix("ref: ") {
            let path = Path::new(".git").join(name);
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let commit = env::var("BANLI_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    let built = env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|secs| secs.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now)
        .format("%Y-%m-%d");
    println!("cargo:rustc-env=BANLI_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=BANLI_BUILD_DATE={built}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    build_info();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=graphiql/package.json");
    println!("cargo:rerun-if-changed=graphiql/package-lock.json");
    println!("cargo:rerun-if-env-changed=BANLI_SKIP_NPM");
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let dir = out.join("graphiql");
    let code = match install(&dir) {
        Ok(()) => {
            let mut code = String::from("pub const AVAILABLE: Option<Assets> = Some(Assets {\n");
            for (name, file) in ASSETS {
                let path = dir.join(file);
                code.push_str(&format!(
                    "    {}: include_bytes!({:?}),\n",
                    name.to_lowercase(),
                    path.display().to_string()
                ));
            }
            code.push_str("});\npub const UNAVAILABLE_REASON: &str = \"\";\n");
            code
        }
        Err(reason) => {
            println!("cargo:warning=GraphiQL will be unavailable: {reason}");
            format!("pub const AVAILABLE: Option<Assets> = None;\npub const UNAVAILABLE_REASON: &str = {reason:?};\n")
        }
    };
    fs::write(out.join("graphiql_assets.rs"), code)?;
    Ok(())
}
