//! The Cairo AIR (Cairo paper, section 9) on the one-row-per-step layout of [`crate::layout`].
//!
//! Constraints, in the order [`CairoAir::evaluate`] writes them:
//! - CPU, on every row: flag bits; the instruction word from offsets and flags; the three operand
//!   addresses; `res` and `t0`; the call and assert_eq opcodes.
//! - CPU, row to next row: pc (two constraints, for jnz), ap and fp updates.
//! - Memory: the sorted copy is continuous (addresses step by 0 or 1) and single-valued; running
//!   products over the unsorted and sorted slots prove they are permutations of each other, with
//!   the public cells entering as dummy accesses (0, 0) and the verifier supplying the difference.
//! - Range checks, in two pools (offsets; builtin limbs): the sorted values step by 0 or 1 from
//!   the pool's min to its max, and a running product proves them a permutation of the pool's
//!   values and fill values.
//! - range_check builtin (when used): the value is the sum of its 16-bit limbs, and the instance
//!   addresses step by 0 or 1 from the segment's begin to its stop.

use crate::layout::{cpu, flag, Layout, RC_LIMBS};
use crate::public::{public_memory_product, ProofParams};
use proofgrid_cairo::{Builtin, Statement};
use proofgrid_stark::air::{Air, Boundary, ConstraintDomain, ConstraintInfo, Frame, TraceTable};
use proofgrid_stark::field::{fe, Fe};
use rayon::prelude::*;

/// Challenges: memory (z, α), range checks (z).
pub const CHALLENGES: usize = 3;

/// Column indices of one permutation argument, looked up once rather than at every point.
struct Argument {
    /// Per slot: (first column, second column for memory's value).
    unsorted: Vec<(usize, Option<usize>)>,
    sorted: Vec<(usize, Option<usize>)>,
    groups: Vec<(usize, usize)>,
    /// Auxiliary column of the running product after each group.
    prod: Vec<usize>,
}

impl Argument {
    fn memory(l: &Layout) -> Argument {
        let groups = l.mem_groups();
        Argument {
            unsorted: (0..l.mem_slots()).map(|j| l.mem_slot(j)).map(|(a, v)| (a, Some(v))).collect(),
            sorted: (0..l.mem_slots()).map(|j| l.sorted_mem(j)).map(|(a, v)| (a, Some(v))).collect(),
            prod: (0..groups.len()).map(|g| l.mem_prod(g)).collect(),
            groups,
        }
    }

    fn pool(l: &Layout, p: usize) -> Argument {
        let groups = l.pool_groups(p);
        Argument {
            unsorted: (0..l.pool_slots(p)).map(|j| (l.pool_slot(p, j), None)).collect(),
            sorted: (0..l.pool_slots(p)).map(|j| (l.pool_sorted(p, j), None)).collect(),
            prod: (0..groups.len()).map(|g| l.pool_prod(p, g)).collect(),
            groups,
        }
    }
}

pub struct CairoAir {
    memory: Argument,
    pools: Vec<Argument>,
    pub layout: Layout,
    pub params: ProofParams,
    constraints: Vec<ConstraintInfo>,
    boundary_values: BoundaryValues,
    public_memory: Vec<(u64, Fe)>,
    public_bytes: Vec<u8>,
}

/// The boundary values that come from the statement.
struct BoundaryValues {
    initial_pc: u64,
    initial_ap: u64,
    final_pc: u64,
    final_ap: u64,
    range_check: Option<(u64, u64)>,
}

fn info(degree: usize, domain: ConstraintDomain) -> ConstraintInfo {
    ConstraintInfo { degree, domain }
}

impl CairoAir {
    /// The AIR for `statement` proven with `params`; `public_memory` from [`crate::public::public_memory`].
    pub fn new(statement: &Statement, params: ProofParams, public_memory: Vec<(u64, Fe)>) -> CairoAir {
        use ConstraintDomain::*;
        let layout = params.layout;
        let public_bytes = crate::public::public_input_bytes(statement, &params);
        let mut c = Vec::new();
        c.extend((0..flag::COUNT).map(|_| info(2, AllRows)));
        c.push(info(1, AllRows)); // instruction word
        c.extend((0..3).map(|_| info(2, AllRows))); // operand addresses
        c.push(info(3, AllRows)); // res
        c.push(info(2, AllRows)); // t0
        c.extend((0..3).map(|_| info(2, AllRows))); // call (2), assert_eq
        c.push(info(3, AllButLast)); // pc when jnz does not jump
        c.extend((0..3).map(|_| info(2, AllButLast))); // pc, ap, fp
        let m = layout.mem_slots();
        c.extend((1..m).flat_map(|_| [info(2, AllRows), info(2, AllRows)])); // continuity, single value
        c.extend([info(2, AllButLast), info(2, AllButLast)]); // across rows
        c.push(info(2, FirstRow)); // product start
        c.extend(layout.mem_groups()[1..].iter().map(|(_, len)| info(1 + len, AllRows)));
        c.push(info(2, AllButLast));
        for p in 0..layout.rc_pools() {
            c.extend((1..layout.pool_slots(p)).map(|_| info(2, AllRows)));
            c.push(info(2, AllButLast));
            c.push(info(2, FirstRow));
            c.extend(layout.pool_groups(p)[1..].iter().map(|(_, len)| info(1 + len, AllRows)));
            c.push(info(2, AllButLast));
        }
        if layout.range_check_builtin {
            c.push(info(1, AllRows)); // value from limbs
            c.push(info(2, AllButLast)); // address steps
        }
        let rc_seg = statement.builtin(Builtin::RangeCheck).filter(|s| !s.is_empty());
        CairoAir {
            memory: Argument::memory(&layout),
            pools: (0..layout.rc_pools()).map(|p| Argument::pool(&layout, p)).collect(),
            layout,
            params,
            constraints: c,
            boundary_values: BoundaryValues {
                initial_pc: statement.initial.pc,
                initial_ap: statement.initial.ap,
                final_pc: statement.final_pc,
                final_ap: statement.final_ap,
                range_check: rc_seg.map(|s| (s.begin, s.stop)),
            },
            public_bytes,
            public_memory,
        }
    }
}

impl CairoAir {
    /// The running-product constraints of one argument: first row, each later group of the row,
    /// and from the row's last group to the next row's first slot. `factor` maps a slot's columns
    /// to its factor (z − x) on a row.
    fn running_product<G: Fn(&[Fe]) -> Fe>(
        &self,
        arg: &Argument,
        cur: &[Fe],
        next: &[Fe],
        aux: &[Fe],
        aux_next: &[Fe],
        factor: impl Fn((usize, Option<usize>)) -> G,
        put: &mut impl FnMut(Fe),
    ) {
        let u = |row: &[Fe], j: usize| factor(arg.unsorted[j])(row);
        let s = |row: &[Fe], j: usize| factor(arg.sorted[j])(row);
        put(aux[arg.prod[0]] * s(cur, 0) - u(cur, 0));
        for (g, &(start, len)) in arg.groups.iter().enumerate().skip(1) {
            let (mut sp, mut up) = (Fe::one(), Fe::one());
            for j in start..start + len {
                sp *= s(cur, j);
                up *= u(cur, j);
            }
            put(aux[arg.prod[g]] * sp - aux[arg.prod[g - 1]] * up);
        }
        let last = arg.prod[arg.prod.len() - 1];
        put(aux_next[arg.prod[0]] * s(next, 0) - aux[last] * u(next, 0));
    }
}

impl Air for CairoAir {
    fn trace_length(&self) -> usize {
        self.layout.trace_length
    }
    fn main_width(&self) -> usize {
        self.layout.main_width()
    }
    fn aux_width(&self) -> usize {
        self.layout.aux_width()
    }
    fn num_challenges(&self) -> usize {
        CHALLENGES
    }

    fn build_aux_trace(&self, main: &TraceTable, ch: &[Fe]) -> TraceTable {
        let l = &self.layout;
        let n = l.trace_length;
        let (z, alpha, zr) = (ch[0], ch[1], ch[2]);
        let col = |c: usize, i: usize| main.columns[c][i];
        // Every ratio U/S, row-major, then one running product.
        let m = l.mem_slots();
        let pools = l.rc_pools();
        let r: usize = (0..pools).map(|p| l.pool_slots(p)).sum();
        let mut num = vec![Fe::zero(); n * (m + r)];
        let mut den = vec![Fe::zero(); n * (m + r)];
        num.par_chunks_mut(m + r).zip(den.par_chunks_mut(m + r)).enumerate().for_each(|(i, (nu, de))| {
            for j in 0..m {
                let (a, v) = l.mem_slot(j);
                let (sa, sv) = l.sorted_mem(j);
                nu[j] = z - (col(a, i) + alpha * col(v, i));
                de[j] = z - (col(sa, i) + alpha * col(sv, i));
            }
            let mut k = m;
            for p in 0..pools {
                for j in 0..l.pool_slots(p) {
                    nu[k] = zr - col(l.pool_slot(p, j), i);
                    de[k] = zr - col(l.pool_sorted(p, j), i);
                    k += 1;
                }
            }
        });
        Fe::inplace_batch_inverse(&mut den).expect("challenges avoid every sorted value");
        // (first ratio index within a row, group list, first auxiliary column) per product.
        let mut products = vec![(0, l.mem_groups(), l.mem_prod(0))];
        let mut offset = m;
        for p in 0..pools {
            products.push((offset, l.pool_groups(p), l.pool_prod(p, 0)));
            offset += l.pool_slots(p);
        }
        let mut cols = vec![vec![Fe::zero(); n]; l.aux_width()];
        for (first, groups, column) in &products {
            let mut acc = Fe::one();
            for i in 0..n {
                let base = i * (m + r) + first;
                for (g, (start, len)) in groups.iter().enumerate() {
                    for k in base + start..base + start + len {
                        acc *= num[k] * den[k];
                    }
                    cols[column + g][i] = acc;
                }
            }
        }
        TraceTable::new(cols)
    }

    fn constraints(&self) -> &[ConstraintInfo] {
        &self.constraints
    }

    fn evaluate(&self, f: &Frame<'_>, ch: &[Fe], out: &mut [Fe]) {
        let l = &self.layout;
        let (cur, next) = (f.main, f.main_next);
        let one = Fe::one();
        let mut k = 0;
        let mut put = |v: Fe| {
            out[k] = v;
            k += 1;
        };
        let fl = |i: usize| cur[cpu::FLAG0 + i];
        for i in 0..flag::COUNT {
            put(fl(i) * (fl(i) - one));
        }
        // Instruction word.
        let mut flags_word = Fe::zero();
        for i in (0..flag::COUNT).rev() {
            flags_word = flags_word.double() + fl(i);
        }
        let two16 = fe(1 << 16);
        let two32 = fe(1 << 32);
        let two48 = fe(1 << 48);
        put(cur[cpu::OFF_DST] + two16 * cur[cpu::OFF_OP0] + two32 * cur[cpu::OFF_OP1] + two48 * flags_word
            - cur[cpu::INST]);
        // Operand addresses; offsets are biased by 2^15.
        let bias = fe(1 << 15);
        let (pc, ap, fp) = (cur[cpu::PC], cur[cpu::AP], cur[cpu::FP]);
        let dst_reg = fl(flag::DST_REG);
        put(dst_reg * fp + (one - dst_reg) * ap + cur[cpu::OFF_DST] - bias - cur[cpu::DST_ADDR]);
        let op0_reg = fl(flag::OP0_REG);
        put(op0_reg * fp + (one - op0_reg) * ap + cur[cpu::OFF_OP0] - bias - cur[cpu::OP0_ADDR]);
        let (imm, op1_fp, op1_ap) = (fl(flag::OP1_IMM), fl(flag::OP1_FP), fl(flag::OP1_AP));
        let (op0, op1, dst, res) = (cur[cpu::OP0], cur[cpu::OP1], cur[cpu::DST], cur[cpu::RES]);
        put(imm * pc + op1_ap * ap + op1_fp * fp + (one - imm - op1_fp - op1_ap) * op0 + cur[cpu::OFF_OP1]
            - bias
            - cur[cpu::OP1_ADDR]);
        // res and t0.
        let (add, mulf, jnz) = (fl(flag::RES_ADD), fl(flag::RES_MUL), fl(flag::PC_JNZ));
        put((one - jnz) * res - (add * (op0 + op1) + mulf * op0 * op1 + (one - add - mulf - jnz) * op1));
        let t0 = cur[cpu::T0];
        put(jnz * dst - t0);
        // Opcodes.
        let size = imm + one;
        let call = fl(flag::OPCODE_CALL);
        put(call * (dst - fp));
        put(call * (op0 - (pc + size)));
        put(fl(flag::OPCODE_ASSERT_EQ) * (dst - res));
        // Register updates.
        let next_pc = next[cpu::PC];
        // With jnz and dst ≠ 0, res = 1/dst makes t0·res = 1; with dst = 0 the pc just advances.
        put((t0 * res - jnz) * (next_pc - (pc + size)));
        let (abs, rel) = (fl(flag::PC_JUMP_ABS), fl(flag::PC_JUMP_REL));
        put(t0 * (next_pc - (pc + op1)) + (one - jnz) * next_pc
            - ((one - abs - rel - jnz) * (pc + size) + abs * res + rel * (pc + res)));
        put(ap + fl(flag::AP_ADD) * res + fl(flag::AP_ADD1) + call.double() - next[cpu::AP]);
        let ret = fl(flag::OPCODE_RET);
        put(ret * dst + call * (ap + fe(2)) + (one - ret - call) * fp - next[cpu::FP]);

        // Memory: sorted continuity and single value.
        let mem = &self.memory;
        let m = mem.sorted.len();
        let step = |a0: Fe, v0: Fe, a1: Fe, v1: Fe| {
            let d = a1 - a0;
            (d * (d - one), (v1 - v0) * (d - one))
        };
        let value = |row: &[Fe], (c, v): (usize, Option<usize>)| (row[c], v.map_or(Fe::zero(), |v| row[v]));
        for j in 1..m {
            let (a0, v0) = value(cur, mem.sorted[j - 1]);
            let (a1, v1) = value(cur, mem.sorted[j]);
            let (c1, c2) = step(a0, v0, a1, v1);
            put(c1);
            put(c2);
        }
        let (a0, v0) = value(cur, mem.sorted[m - 1]);
        let (a1, v1) = value(next, mem.sorted[0]);
        let (c1, c2) = step(a0, v0, a1, v1);
        put(c1);
        put(c2);
        let (z, alpha, zr) = (ch[0], ch[1], ch[2]);
        let (aux, aux_next) = (f.aux, f.aux_next);
        self.running_product(mem, cur, next, aux, aux_next, |(c, v)| {
            let (a, x) = (c, v.expect("memory slots have values"));
            move |row: &[Fe]| z - (row[a] + alpha * row[x])
        }, &mut put);

        // Range checks, pool by pool: sorted steps of 0 or 1, and the running product.
        for pool in &self.pools {
            let r = pool.sorted.len();
            for j in 1..r {
                let d = cur[pool.sorted[j].0] - cur[pool.sorted[j - 1].0];
                put(d * (d - one));
            }
            let d = next[pool.sorted[0].0] - cur[pool.sorted[r - 1].0];
            put(d * (d - one));
            self.running_product(pool, cur, next, aux, aux_next, |(c, _)| move |row: &[Fe]| zr - row[c], &mut put);
        }

        if l.range_check_builtin {
            let mut value = Fe::zero();
            for i in (0..RC_LIMBS).rev() {
                value = value * two16 + cur[l.rcb_limb(i)];
            }
            put(value - cur[l.rcb_val()]);
            let d = next[l.rcb_addr()] - cur[l.rcb_addr()];
            put(d * (d - one));
        }
        debug_assert_eq!(k, self.constraints.len());
    }

    fn boundaries(&self, ch: &[Fe]) -> Vec<Boundary> {
        let l = &self.layout;
        let n = l.trace_length;
        let b = &self.boundary_values;
        let at = |column: usize, row: usize, value: Fe| Boundary { column, row, value };
        let w = l.main_width();
        let mut out = vec![
            at(cpu::PC, 0, fe(b.initial_pc)),
            at(cpu::AP, 0, fe(b.initial_ap)),
            at(cpu::FP, 0, fe(b.initial_ap)),
            at(cpu::PC, n - 1, fe(b.final_pc)),
            at(cpu::AP, n - 1, fe(b.final_ap)),
            at(l.sorted_mem(0).0, 0, fe(1)),
            at(w + l.mem_prod(l.mem_groups().len() - 1), n - 1, public_memory_product(&self.public_memory, &ch[0], &ch[1])),
        ];
        for p in 0..l.rc_pools() {
            let (min, max) = self.params.rc_bounds[p];
            out.push(at(l.pool_sorted(p, 0), 0, fe(min as u64)));
            out.push(at(l.pool_sorted(p, l.pool_slots(p) - 1), n - 1, fe(max as u64)));
            out.push(at(w + l.pool_prod(p, l.pool_groups(p).len() - 1), n - 1, Fe::one()));
        }
        if let (true, Some((begin, stop))) = (l.range_check_builtin, b.range_check) {
            out.push(at(l.rcb_addr(), 0, fe(begin)));
            out.push(at(l.rcb_addr(), n - 1, fe(stop - 1)));
        }
        out
    }

    fn public_input_bytes(&self) -> Vec<u8> {
        self.public_bytes.clone()
    }
}
