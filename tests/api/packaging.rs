//! What `deploy/` ships agrees with the binary: the systemd unit starts banli with a command
//! line banli accepts and is hardened; the example configuration loads; the nginx example
//! lets banli's largest uploads and its subscriptions through; and the Docker image builds,
//! starts as a user other than root and answers, where Docker works.

use std::path::PathBuf;
use std::process::Command;

use banli::config::Settings;
use clap::Parser as _;

fn deploy(file: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    (path, text)
}

/// The values of `key=` in a unit file, in order.
fn unit_values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[test]
fn the_systemd_unit_runs_banli_as_its_own_user_on_a_read_only_system() {
    let (_, unit) = deploy("banli.service");
    let exec = unit_values(&unit, "ExecStart");
    assert_eq!(exec.len(), 1, "{exec:?}");
    let args: Vec<&str> = exec[0].split_whitespace().collect();
    assert_eq!(args[0], "/usr/local/bin/banli");
    let cli =
        banli::cli::Cli::try_parse_from(&args).expect("banli accepts the unit's command line");
    assert_eq!(
        cli.config.as_deref(),
        Some(std::path::Path::new("/etc/banli/banli.toml"))
    );
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "-/var/lib/banli"),
        ("StateDirectory", "banli"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("KillSignal", "SIGTERM"),
    ] {
        assert!(unit_values(&unit, key).contains(&value), "{key}={value}");
    }
    let stop: u64 = unit_values(&unit, "TimeoutStopSec")[0].parse().unwrap();
    assert!(
        stop > Settings::default().shutdown_timeout_secs,
        "requests in flight finish first"
    );
}

#[test]
fn the_example_configuration_loads_into_the_state_directory() {
    let (path, _) = deploy("banli.toml.example");
    let settings = Settings::load(Some(&path)).expect("the example loads, every key a setting");
    settings.validate().expect("and is valid");
    assert_eq!(settings.database_url, "sqlite:///var/lib/banli/banli.db");
    assert_eq!(
        settings.files.attachments_dir.as_deref(),
        Some("/var/lib/banli/files")
    );
    assert_eq!(settings.trusted_proxies, ["127.0.0.1"]);
}

#[test]
fn the_nginx_example_passes_what_banli_needs() {
    let (_, conf) = deploy("nginx.conf");
    let size = conf
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_max_body_size "))
        .and_then(|v| v.trim_end_matches(';').strip_suffix('m'))
        .and_then(|mib| mib.parse::<u64>().ok())
        .expect("client_max_body_size in MiB");
    assert!(size * 1024 * 1024 >= Settings::default().files.upload_max_request_bytes);
    for directive in [
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Request-Id $request_id;",
        "proxy_set_header Upgrade $http_upgrade;",
        "listen 443 ssl;",
        "server 127.0.0.1:8081",
        "server 127.0.0.1:8082",
    ] {
        assert!(conf.contains(directive), "{directive}");
    }
}

fn docker(args: &[&str]) -> Option<std::process::Output> {
    Command::new("docker").args(args).output().ok()
}

/// Builds `deploy/Dockerfile` and runs it, where Docker answers and has the base images (an
/// intranet mirrors them; this machine may have no daemon or no registry).
#[test]
fn the_docker_image_builds_and_answers_as_a_user_other_than_root() {
    if !docker(&["info"]).is_some_and(|o| o.status.success()) {
        eprintln!("Docker does not answer here: the image test is skipped");
        return;
    }
    for base in ["rust:1.95-bookworm", "debian:bookworm-slim"] {
        let present = docker(&["image", "inspect", base]).is_some_and(|o| o.status.success())
            || docker(&["pull", base]).is_some_and(|o| o.status.success());
        if !present {
            eprintln!("the base image {base} is not available: the image test is skipped");
            return;
        }
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let tag = "banli-packaging-test";
    let built = docker(&["build", "-f", "deploy/Dockerfile", "-t", tag, root]).unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let port = crate::process::free_port().to_string();
    let publish = format!("127.0.0.1:{port}:8080");
    let started = docker(&["run", "-d", "--rm", "-p", &publish, tag]).unwrap();
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let id = String::from_utf8_lossy(&started.stdout).trim().to_owned();
    let user = docker(&["exec", &id, "id", "-u"])
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let mut healthy = false;
    for _ in 0..120 {
        let probe = Command::new("bash")
            .args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3")])
            .output();
        if probe.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(" 200 ")) {
            healthy = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let _ = docker(&["stop", &id]);
    assert!(healthy, "the container became ready");
    assert_eq!(user.as_deref(), Some("10001"), "not root");
}
