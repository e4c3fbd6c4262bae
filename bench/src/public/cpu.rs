//! Where the CPU went during the window: the machine, banli-bench's threads by role,
//! and PostgreSQL's processes, from /proc.

use super::*;

/// CPU time so far (clock ticks, 100 per second on Linux), by who spent it.
#[derive(Default, Clone)]
pub(super) struct Cpu {
    pub(super) machine_busy: u64,
    pub(super) machine_total: u64,
    pub(super) iowait: u64,
    pub(super) groups: BTreeMap<&'static str, u64>,
}

pub(super) const SERVER: &str = "server workers (HTTP, GraphQL, gzip)";
pub(super) const CLIENTS: &str = "load clients";
pub(super) const SQLITE: &str = "SQLite connection threads";
pub(super) const POSTGRES: &str = "PostgreSQL processes (with parallel workers)";
pub(super) const OTHER_OWN: &str = "other threads of banli-bench (CAPTCHA drawing, pool)";

/// CPU ticks in a `/proc/…/stat` line: utime and stime, and with `children` also the
/// children that exited (cutime, cstime), which is where PostgreSQL's short-lived
/// parallel query workers end up (in the postmaster's).
pub(super) fn ticks_of(stat: &str, children: bool) -> u64 {
    // Fields after the `(comm)`: state is the first, then utime is the 12th, stime the
    // 13th, cutime the 14th and cstime the 15th.
    stat.rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(if children { 4 } else { 2 })
                .filter_map(|t| t.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

pub(super) fn cpu_now() -> Cpu {
    let mut cpu = Cpu::default();
    if let Ok(stat) = std::fs::read_to_string("/proc/stat") {
        if let Some(line) = stat.lines().next() {
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|t| t.parse().ok())
                .collect();
            if v.len() >= 8 {
                // user nice system idle iowait irq softirq steal
                cpu.machine_busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
                cpu.iowait = v[4];
                cpu.machine_total = cpu.machine_busy + v[3] + v[4];
            }
        }
    }
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let path = task.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            let ticks = std::fs::read_to_string(path.join("stat"))
                .map(|s| ticks_of(&s, false))
                .unwrap_or(0);
            let group = if comm.starts_with("actix-server w") {
                SERVER
            } else if comm.starts_with("bench-client") {
                CLIENTS
            } else if comm.starts_with("sqlx-sqlite") {
                SQLITE
            } else {
                OTHER_OWN
            };
            *cpu.groups.entry(group).or_default() += ticks;
        }
    }
    if let Ok(processes) = std::fs::read_dir("/proc") {
        for process in processes.flatten() {
            let path = process.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if comm.trim() == "postgres" {
                let ticks = std::fs::read_to_string(path.join("stat"))
                    .map(|s| ticks_of(&s, true))
                    .unwrap_or(0);
                *cpu.groups.entry(POSTGRES).or_default() += ticks;
            }
        }
    }
    cpu
}

pub(super) fn print_cpu(before: &Cpu, after: &Cpu, seconds: f64) {
    let total = after.machine_total.saturating_sub(before.machine_total) as f64;
    if total == 0.0 {
        return;
    }
    // Cores in use, out of those the machine has.
    let cores = total / 100.0 / seconds;
    let busy = after.machine_busy.saturating_sub(before.machine_busy) as f64;
    let iowait = after.iowait.saturating_sub(before.iowait) as f64;
    println!(
        "  CPU: machine {:.2} of {:.0} cores busy, iowait {:.2} cores",
        busy / 100.0 / seconds,
        cores.round(),
        iowait / 100.0 / seconds
    );
    let mut accounted = 0.0;
    for (group, ticks) in &after.groups {
        let spent = ticks.saturating_sub(before.groups.get(group).copied().unwrap_or(0)) as f64;
        accounted += spent;
        if spent > 0.0 {
            println!("    {group:<52} {:.2} cores", spent / 100.0 / seconds);
        }
    }
    println!(
        "    {:<52} {:.2} cores",
        "everything else on the machine",
        ((busy - accounted) / 100.0 / seconds).max(0.0)
    );
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}
