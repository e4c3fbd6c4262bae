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

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
