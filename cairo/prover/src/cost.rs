//! What proving a run costs in memory, for the two sides that must know before a proof starts:
//! the org announces an estimate per shard (donors skip jobs beyond their cap before fetching
//! anything), and a donor's worker refuses a shard whose proof would not fit its cap, rather
//! than crash on an allocation half-way.
//!
//! Measured on the release build with `node prove` under `/usr/bin/time -v` (peak resident
//! memory) and under `prlimit --as` (the least address-space cap, RLIMIT_AS, that lets the proof
//! finish with `MALLOC_ARENA_MAX=2`, as the donor's worker runs), `primes` at the default
//! options (see the table in BENCHMARKS.md):
//!
//! | shard (`--args`) | steps | trace rows (filled) | peak RSS, 1 / 2 threads | least RLIMIT_AS, 1 / 2 threads |
//! |---|---|---|---|---|
//! | 2 3 | 102 | 2^7 | | 87 MiB / |
//! | 2 50 | 3997 | 2^12 (98%) | 57 / 60 MiB | 111 / 105 MiB |
//! | 2 100 | 9091 | 2^14 (55%) | 148 / 155 MiB | 177 / 195 MiB |
//! | 2 161 | 16211 | 2^14 (99%) | 185 / 192 MiB | 225 / MiB |
//! | 10000 10050 | 18148 | 2^15 (55%) | 282 / 295 MiB | 333 / 369 MiB |
//! | 2 283 | 32672 | 2^15 (99.7%) | 358 / 367 MiB | 399 / MiB |
//! | 2 400 | 49922 | 2^16 (76%) | 551 / 561 MiB | 620 / 596 MiB |
//! | 2 499 | 65470 | 2^16 (99.9%) | 702 / 731 MiB | 746 / 752 MiB |
//! | 2 874 | 131046 | 2^17 (99.98%) | — / 1457 MiB | |
//! | 2 1000 | 155196 | 2^18 (59%) | — / 2183 MiB | — / under 2500 MiB |
//!
//! A full trace costs about 11 KiB of resident memory per row, 11.5 KiB of address space, over
//! a base of some 40 MiB (80 MiB of address space); a partly filled one less. The estimates below
//! count 12 and 14 KiB per row of the padded trace and a larger base, so they err high: 1.25 to
//! 1.7 times the measured address space, room for programs whose rows cost more than
//! `primes`'s. The rows counted are those of the taller of the CPU trace and the memory table
//! (both padded to a power of two), plus, for a run (`layout_rows`), every used builtin's
//! component converted to CPU rows by its cells: `primes` barely uses one, but a program whose
//! builtins dominate (Pedersen, Poseidon, ecdsa) commits many times its CPU trace.

/// Bytes of peak resident memory per trace row (measured up to 11.2 KiB).
pub const RESIDENT_PER_ROW: u64 = 12 * 1024;
/// Resident memory before any row.
pub const RESIDENT_BASE: u64 = 32 << 20;
/// Address space (RLIMIT_AS) per trace row (measured up to 11.7 KiB, base included).
pub const ADDRESS_SPACE_PER_ROW: u64 = 14 * 1024;
/// Address space of the worker before any row: code, the executed run, allocator arenas
/// (measured about 80 MiB).
pub const ADDRESS_SPACE_BASE: u64 = 128 << 20;
/// Address space one more prover thread reserves (its stack and share of the arenas).
pub const ADDRESS_SPACE_PER_THREAD: u64 = 8 << 20;
/// The least address-space cap under which anything proves: the smallest shard measured
/// needed 87 MiB.
pub const MIN_ADDRESS_SPACE: u64 = 128 << 20;

/// A CPU row and a memory row's main cells: the unit the per-row figures were measured in.
const ROW_CELLS: u64 = (crate::components::cpu::col::WIDTH + 3) as u64;

/// The rows the estimate counts for a run: [`rows`] plus each used builtin's component counted
/// as CPU rows of the same number of cells. A builtin-heavy program's components can be many
/// times its CPU trace (600 ecdsa checks: 16,384 CPU rows, 262,144 rows of 48 columns), which a
/// count of steps alone would miss. Saturates on absurd segment bounds (an execution from a
/// peer), so the estimate refuses them rather than overflow.
pub fn layout_rows(exec: &proofgrid_cairo::Execution) -> u64 {
    let builtins = crate::air::used_builtins_in(&exec.segments.builtins).iter().fold(0u64, |sum, u| {
        let height = (u.instances() as u64).saturating_mul(u.spec.rows as u64).max(1);
        let height = height.checked_next_power_of_two().unwrap_or(u64::MAX);
        // A component's width does not depend on its height: ask one of the least height.
        let width = crate::air::builtin_component(u, 8).main_width() as u64;
        sum.saturating_add(height.saturating_mul(width).div_ceil(ROW_CELLS))
    });
    rows(exec.steps as u64, exec.memory_cells() as u64).saturating_add(builtins)
}

/// [`resident`] for a run, its builtins' components included ([`layout_rows`]).
pub fn resident_for(exec: &proofgrid_cairo::Execution) -> u64 {
    layout_rows(exec).saturating_mul(RESIDENT_PER_ROW).saturating_add(RESIDENT_BASE)
}

/// [`address_space`] for a run, its builtins' components included ([`layout_rows`]).
pub fn address_space_for(exec: &proofgrid_cairo::Execution, threads: usize) -> u64 {
    address_space_of_rows(layout_rows(exec), threads)
}

/// The rows the estimate counts: the taller of the CPU trace and the memory table.
pub fn rows(steps: u64, memory_cells: u64) -> u64 {
    steps.max(memory_cells).max(1).next_power_of_two()
}

/// Peak resident memory of proving a run of `steps` steps touching `memory_cells` cells.
pub fn resident(steps: u64, memory_cells: u64) -> u64 {
    rows(steps, memory_cells).saturating_mul(RESIDENT_PER_ROW).saturating_add(RESIDENT_BASE)
}

/// The address-space cap (RLIMIT_AS) under which that proof finishes with `threads` threads.
pub fn address_space(steps: u64, memory_cells: u64, threads: usize) -> u64 {
    address_space_of_rows(rows(steps, memory_cells), threads)
}

fn address_space_of_rows(rows: u64, threads: usize) -> u64 {
    rows.saturating_mul(ADDRESS_SPACE_PER_ROW)
        .saturating_add(ADDRESS_SPACE_BASE)
        .saturating_add(ADDRESS_SPACE_PER_THREAD.saturating_mul(threads.max(1) as u64))
        .max(MIN_ADDRESS_SPACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_grow_with_the_taller_table_and_never_fall_below_the_floor() {
        assert_eq!(rows(1000, 3000), 4096);
        assert!(address_space(1, 1, 1) >= MIN_ADDRESS_SPACE);
        assert!(address_space(1 << 16, 1, 1) < address_space(1 << 17, 1, 1));
        assert!(address_space(1 << 16, 1, 1) < address_space(1 << 16, 1, 2));
        assert!(resident(1 << 16, 1) < address_space(1 << 16, 1, 1));
        // Above every measurement in the table, and not absurdly so.
        let mib = |b: u64| b >> 20;
        assert!((752..=1200).contains(&mib(address_space(65_470, 1, 2))), "{}", mib(address_space(65_470, 1, 2)));
        assert!((2500..=4000).contains(&mib(address_space(155_196, 1, 2))));
        assert!((731..=900).contains(&mib(resident(65_470, 1))));
        // A donor's default 2 GiB cap takes full 2^17-row shards (measured 1.5 GiB), not 2^18.
        assert!(address_space(131_046, 1, 2) < 2 << 30 && address_space(155_196, 1, 2) > 2 << 30);
    }
}
