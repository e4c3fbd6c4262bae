//! The comparison's results: a line per scenario as it runs, and the Markdown table.

use super::*;

pub(super) fn print_line(
    scenario: Scenario,
    ours: &Wrk,
    theirs: Option<&Wrk>,
    generated: Option<&Wrk>,
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
    for (name, run) in [("floor", theirs), ("PostGraphile", generated)] {
        if let Some(run) = run {
            println!(
                "  {name}: {:.0} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, errors {} (+{} socket)",
                run.per_second(),
                ms(run.p50_us),
                ms(run.p95_us),
                ms(run.p99_us),
                run.errors,
                run.socket_errors
            );
        }
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
    let generated = results.iter().any(|m| m.postgraphile.is_some());
    println!();
    println!("### {:?}", db.backend());
    println!();
    let mut head = "| Scenario | banli req/s | banli p50 / p95 / p99 ms | floor req/s | floor p50 / p95 / p99 ms | banli ÷ floor req/s | banli ÷ floor p99".to_owned();
    if generated {
        head.push_str(" | PostGraphile req/s | PostGraphile p50 / p95 / p99 ms | banli ÷ PostGraphile req/s | banli ÷ PostGraphile p99");
    }
    head.push_str(" | SQL/request | errors |");
    println!("{head}");
    println!("{}|", "|---".repeat(head.matches(" | ").count() + 1));
    for m in results {
        let mut line = format!(
            "| {} | {:.0} | {}",
            m.scenario.title(),
            m.banli.per_second(),
            latencies(&m.banli)
        );
        let mut others = vec![&m.floor];
        if generated {
            others.push(&m.postgraphile);
        }
        for other in others {
            match other {
                Some(o) => line.push_str(&format!(
                    " | {:.0} | {} | {} | {}",
                    o.per_second(),
                    latencies(o),
                    ratio(m.banli.per_second(), o.per_second()),
                    ratio(m.banli.p99_us as f64, o.p99_us as f64)
                )),
                None => line.push_str(" | – | – | – | –"),
            }
        }
        let errors: u64 = std::iter::once(&m.banli)
            .chain(m.floor.as_ref())
            .chain(m.postgraphile.as_ref())
            .map(|w| w.errors + w.socket_errors)
            .sum();
        line.push_str(&format!(" | {:.2} | {errors} |", m.statements));
        println!("{line}");
    }
    println!();
    let last_rss = results.last().map_or(0.0, |m| m.rss_mib);
    println!(
        "banli peak RSS {peak_rss:.0} MiB (after the last scenario {last_rss:.0} MiB); start-up to ready: {}",
        durations(startups)
    );
}

fn latencies(w: &Wrk) -> String {
    format!(
        "{:.2} / {:.2} / {:.2}",
        ms(w.p50_us),
        ms(w.p95_us),
        ms(w.p99_us)
    )
}

/// Start-up times as `12 ms, 15 ms`.
pub(super) fn durations(startups: &[Duration]) -> String {
    startups
        .iter()
        .map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
