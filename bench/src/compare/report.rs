//! The comparison's results: a line per scenario as it runs, and the Markdown table.

use super::*;

pub(super) fn print_line(
    scenario: Scenario,
    ours: &Wrk,
    theirs: Option<&Wrk>,
    statements: f64,
    rss: f64,
) {
    println!("{}", scenario.title());
    println!(
        "  banli: {:.0} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, errors {} (+{} socket), {statements:.2} SQL statements/request, RSS {rss:.0} MiB{}",
        ours.per_second(),
        ms(ours.p50_us),
        ms(ours.p95_us),
        ms(ours.p99_us),
        ours.errors,
        ours.socket_errors,
        if ours.counts.is_empty() { String::new() } else { format!(", successes {}", Value::Object(ours.counts.clone())) }
    );
    if let Some(theirs) = theirs {
        println!(
            "  floor: {:.0} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, errors {} (+{} socket)",
            theirs.per_second(),
            ms(theirs.p50_us),
            ms(theirs.p95_us),
            ms(theirs.p99_us),
            theirs.errors,
            theirs.socket_errors
        );
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b <= 0.0 {
        "–".to_owned()
    } else {
        format!("{:.2}×", a / b)
    }
}

pub(super) fn print_table(db: &Db, results: &[Measured], peak_rss: f64, startups: &[Duration]) {
    println!();
    println!("### {:?}", db.backend());
    println!();
    println!("| Scenario | banli req/s | banli p50 / p95 / p99 ms | floor req/s | floor p50 / p95 / p99 ms | p99 ratio | throughput ratio | SQL/request | errors |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for m in results {
        let (floor_rps, floor_lat, p99_ratio, rps_ratio) = match &m.floor {
            Some(f) => (
                format!("{:.0}", f.per_second()),
                format!(
                    "{:.2} / {:.2} / {:.2}",
                    ms(f.p50_us),
                    ms(f.p95_us),
                    ms(f.p99_us)
                ),
                ratio(m.banli.p99_us as f64, f.p99_us as f64),
                ratio(f.per_second(), m.banli.per_second()),
            ),
            None => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        println!(
            "| {} | {:.0} | {:.2} / {:.2} / {:.2} | {floor_rps} | {floor_lat} | {p99_ratio} | {rps_ratio} | {:.2} | {} |",
            m.scenario.title(),
            m.banli.per_second(),
            ms(m.banli.p50_us),
            ms(m.banli.p95_us),
            ms(m.banli.p99_us),
            m.statements,
            m.banli.errors + m.banli.socket_errors + m.floor.as_ref().map_or(0, |f| f.errors + f.socket_errors),
        );
    }
    println!();
    let last_rss = results.last().map_or(0.0, |m| m.rss_mib);
    println!(
        "banli peak RSS {peak_rss:.0} MiB (after the last scenario {last_rss:.0} MiB); start-up to ready: {}",
        durations(startups)
    );
}

/// Start-up times as `12 ms, 15 ms`.
pub(super) fn durations(startups: &[Duration]) -> String {
    startups
        .iter()
        .map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
