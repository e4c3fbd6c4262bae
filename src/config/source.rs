//! Where the settings come from, checked so that a mistake stops start-up with a message
//! naming it instead of being ignored: a configuration file named on the command line that
//! does not exist, a key in the file that is not a setting (`lissten`), a value of the
//! wrong type (figment names the key and the file).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context as _};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::Settings;

/// The file read when none is named (`--config` or `BANLI_CONFIG`); it may be missing.
pub const DEFAULT_CONFIG_FILE: &str = "banli.toml";

/// `BANLI_*` variables that are not settings: read by the CLI, the log or the tests.
const NOT_SETTINGS: [&str; 4] = ["config", "log", "test_database_url", "user_password"];

impl Settings {
    /// Loads defaults ← the configuration file ← `BANLI_*` environment variables.
    ///
    /// `config_file` is the file the operator named; it must exist (`/dev/null`: no
    /// settings from a file). Without one, `banli.toml` in the working directory is read if
    /// it is there.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        let file = match config_file {
            Some(path) if !path.exists() => bail!(
                "配置文件不存在 (the configuration file {} does not exist)",
                path.display()
            ),
            Some(path) => Some(path),
            None => Some(Path::new(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        if let Some(path) = file {
            check_keys(path)?;
            figment = figment.merge(Toml::file(path));
        }
        let settings = figment
            .merge(Env::prefixed("BANLI_").ignore(&NOT_SETTINGS))
            .extract()?;
        Ok(settings)
    }

    /// The keys a configuration file may set: every setting, by its name.
    pub fn keys() -> BTreeSet<String> {
        match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
            _ => BTreeSet::new(),
        }
    }
}

/// Refuses a file with a key that is not a setting, naming it and the setting it most
/// likely meant.
fn check_keys(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("the configuration file {} is not TOML", path.display()))?;
    let known = Settings::keys();
    let unknown: Vec<String> = table
        .keys()
        .filter(|key| !known.contains(*key))
        .map(|key| match closest(key, &known) {
            Some(meant) => format!("`{key}` (did you mean `{meant}`?)"),
            None => format!("`{key}`"),
        })
        .collect();
    if !unknown.is_empty() {
        bail!(
            "配置文件 {} 中有未知的设置项 (unknown settings): {}",
            path.display(),
            unknown.join(", ")
        );
    }
    Ok(())
}

/// The known key nearest to `key` in spelling, if it is near enough to be a typo.
fn closest<'a>(key: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), k.as_str()))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "banli.toml",
                "listen = \"127.0.0.1:9001\"\ndb_max_connections = 3\n",
            )?;
            let settings = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.to_string(), "127.0.0.1:9001");
            jail.set_env("BANLI_LISTEN", "127.0.0.1:9000");
            let settings =
                Settings::load(Some(Path::new("banli.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.to_string(), "127.0.0.1:9000");
            assert_eq!(settings.db_max_connections, 3);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_missing_default_file_is_fine_a_missing_named_file_is_not() {
        figment::Jail::expect_with(|jail| {
            assert!(Settings::load(None).is_ok());
            let refused = Settings::load(Some(Path::new("/etc/banli/banli.toml")))
                .unwrap_err()
                .to_string();
            assert!(refused.contains("/etc/banli/banli.toml"), "{refused}");
            assert!(refused.contains("does not exist"), "{refused}");
            // `/dev/null` names no settings at all: the defaults, even beside a banli.toml.
            jail.create_file("banli.toml", "workers = 3\n")?;
            let settings =
                Settings::load(Some(Path::new("/dev/null"))).map_err(|e| e.to_string())?;
            assert_eq!(settings.workers, Settings::default().workers);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn an_unknown_key_stops_start_up_naming_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "banli.toml",
                "lissten = \"0.0.0.0:80\"\nworkers = 2\nfrobnicate = true\n",
            )?;
            let refused = format!("{:#}", Settings::load(None).unwrap_err());
            assert!(
                refused.contains("`lissten` (did you mean `listen`?)"),
                "{refused}"
            );
            assert!(refused.contains("`frobnicate`"), "{refused}");
            assert!(!refused.contains("`workers`"), "{refused}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_value_of_the_wrong_type_names_its_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("banli.toml", "db_max_connections = \"many\"\n")?;
            let refused = format!("{:#}", Settings::load(None).unwrap_err());
            assert!(refused.contains("db_max_connections"), "{refused}");
            jail.create_file("banli.toml", "listen = [\n")?;
            let refused = format!("{:#}", Settings::load(None).unwrap_err());
            assert!(refused.contains("not TOML"), "{refused}");
            Ok(())
        });
    }

    #[test]
    fn the_keys_are_every_setting_flattened_ones_included() {
        let keys = Settings::keys();
        for key in [
            "listen",
            "database_url",
            "request_timeout_secs",
            "attachment_max_bytes",
            "metrics_token",
        ] {
            assert!(keys.contains(key), "{key}");
        }
        assert!(!keys.contains("load") && !keys.contains("files"));
    }
}
