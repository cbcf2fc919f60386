//! One Merkle tree over the tables of every component of a phase (a mixed-height commitment),
//! so a query opens one path per phase instead of one per component.
//!
//! A table of 2^m leaves (leaf j holding its rows j and j + N/2) is placed in bit-reversed order:
//! leaf j at position bitrev_m(j). The tallest tables are the tree's leaves; a table 2^k times
//! shorter is hashed into the nodes k levels up. Bit reversal makes this line up with the queries:
//! a query at pair index q opens leaf q mod 2^m of every table, and bitrev_m(q mod 2^m) is exactly
//! the ancestor, k levels up, of the tallest tables' leaf bitrev(q). So every query is one path
//! from a leaf to the root, with the shorter tables' rows hashed in on the way.
//!
//! Hashes (Keccak-256, domain-separated by a prefix byte): a group of rows (every table injected
//! at one node, in table order) is H(0 ‖ felts); a leaf is its rows' hash; an inner node is
//! H(1 ‖ left ‖ right), or H(2 ‖ left ‖ right ‖ rows' hash) where shorter tables join.

use crate::field::Fe;
use crate::merkle::{Path, Root};
use rayon::prelude::*;
use sha3::{Digest, Keccak256};
use std::collections::BTreeMap;

type Node = [u8; 32];

fn bitrev(j: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        j.reverse_bits() >> (usize::BITS - bits)
    }
}

fn hash_rows(rows: &[&[Fe]]) -> Node {
    let mut h = Keccak256::new();
    h.update([0u8]);
    for row in rows {
        for x in row.iter() {
            for limb in x.value().limbs {
                h.update(limb.to_be_bytes());
            }
        }
    }
    h.finalize().into()
}

fn hash_node(left: &Node, right: &Node, rows: Option<&Node>) -> Node {
    let mut h = Keccak256::new();
    match rows {
        None => h.update([1u8]),
        Some(_) => h.update([2u8]),
    }
    h.update(left);
    h.update(right);
    if let Some(r) = rows {
        h.update(r);
    }
    h.finalize().into()
}

/// The tables of one tree: for each, log2 of its leaf count and its leaves by pair index.
pub struct Tables<'a> {
    pub tables: Vec<(u32, &'a [Vec<Fe>])>,
}

impl Tables<'_> {
    fn depth(&self) -> u32 {
        self.tables.iter().map(|(m, _)| *m).max().unwrap_or(0)
    }
    /// The tables joining at `level` (depth − their log size), in table order.
    fn at_level(&self, level: u32) -> Vec<(u32, &[Vec<Fe>])> {
        let depth = self.depth();
        self.tables.iter().filter(|(m, _)| depth - m == level).map(|(m, l)| (*m, *l)).collect()
    }
}

/// A built tree: every level's node hashes, leaves first.
pub struct MixedTree {
    levels: Vec<Vec<Node>>,
}

impl MixedTree {
    pub fn build(tables: &Tables<'_>) -> MixedTree {
        let depth = tables.depth();
        let group = |level: u32, pos: usize| -> Option<Node> {
            let joining = tables.at_level(level);
            if joining.is_empty() {
                return None;
            }
            let rows: Vec<&[Fe]> = joining.iter().map(|(m, leaves)| leaves[bitrev(pos, *m)].as_slice()).collect();
            Some(hash_rows(&rows))
        };
        let leaves: Vec<Node> = (0..1usize << depth)
            .into_par_iter()
            .map(|pos| group(0, pos).expect("the tallest tables are the leaves"))
            .collect();
        let mut levels = vec![leaves];
        for level in 1..=depth {
            let below = levels.last().expect("a level");
            let next: Vec<Node> = (0..below.len() / 2)
                .into_par_iter()
                .map(|pos| hash_node(&below[2 * pos], &below[2 * pos + 1], group(level, pos).as_ref()))
                .collect();
            levels.push(next);
        }
        MixedTree { levels }
    }

    pub fn root(&self) -> Root {
        self.levels.last().expect("a level")[0]
    }

    /// The sibling nodes that, with the queried tables' rows, recompute the root: each node once,
    /// level by level from the leaves up, in increasing position order. `queries` are pair indices
    /// into the tallest table of the proof (reduced to this tree's size here).
    pub fn multi_open(&self, queries: &[usize]) -> Path {
        let depth = self.levels.len() as u32 - 1;
        let mut known: Vec<usize> = queries.iter().map(|q| bitrev(q % (1 << depth), depth)).collect();
        known.sort_unstable();
        known.dedup();
        let mut out = Vec::new();
        for level in 0..depth as usize {
            for &pos in &known {
                if known.binary_search(&(pos ^ 1)).is_err() {
                    out.push(self.levels[level][pos ^ 1]);
                }
            }
            known = known.iter().map(|p| p >> 1).collect();
            known.dedup();
        }
        out
    }
}

/// The distinct leaf indices (pair indices) `queries` open in a table of 2^m leaves, increasing.
pub fn opened(queries: &[usize], m: u32) -> Vec<usize> {
    let mut idx: Vec<usize> = queries.iter().map(|q| q % (1 << m)).collect();
    idx.sort_unstable();
    idx.dedup();
    idx
}

/// Recomputes the root from the opened rows of every table (for each, its log size, its row
/// length and its rows at [`opened`] indices) and the multiproof `nodes`; `Err(t)` names a table
/// whose openings have the wrong count or length, `Err(usize::MAX)` a root mismatch.
pub fn verify(
    root: &Root,
    tables: &[(u32, usize, &[Vec<Fe>])],
    queries: &[usize],
    nodes: &Path,
) -> Result<(), usize> {
    let depth = tables.iter().map(|(m, _, _)| *m).max().unwrap_or(0);
    // Each table's rows by leaf index.
    let mut by_index: Vec<BTreeMap<usize, &Vec<Fe>>> = Vec::with_capacity(tables.len());
    for (t, (m, len, rows)) in tables.iter().enumerate() {
        let idx = opened(queries, *m);
        if rows.len() != idx.len() || rows.iter().any(|r| r.len() != *len) {
            return Err(t);
        }
        by_index.push(idx.into_iter().zip(rows.iter()).collect());
    }
    let group = |level: u32, pos: usize| -> Result<Option<Node>, usize> {
        let mut rows: Vec<&[Fe]> = Vec::new();
        for (t, (m, _, _)) in tables.iter().enumerate() {
            if depth - m == level {
                rows.push(by_index[t].get(&bitrev(pos, *m)).ok_or(t)?.as_slice());
            }
        }
        Ok((!rows.is_empty()).then(|| hash_rows(&rows)))
    };
    let mut known: BTreeMap<usize, Node> = BTreeMap::new();
    for q in queries {
        let pos = bitrev(q % (1 << depth), depth);
        if let std::collections::btree_map::Entry::Vacant(e) = known.entry(pos) {
            e.insert(group(0, pos)?.ok_or(usize::MAX)?);
        }
    }
    let mut supplied = nodes.iter();
    for level in 1..=depth {
        let mut next = BTreeMap::new();
        for (&pos, h) in &known {
            if pos & 1 == 1 && known.contains_key(&(pos ^ 1)) {
                continue;
            }
            let sibling = match known.get(&(pos ^ 1)) {
                Some(s) => *s,
                None => *supplied.next().ok_or(usize::MAX)?,
            };
            let (l, r) = if pos & 1 == 0 { (h, &sibling) } else { (&sibling, h) };
            let parent = pos >> 1;
            next.insert(parent, hash_node(l, r, group(level, parent)?.as_ref()));
        }
        known = next;
    }
    if supplied.next().is_none() && known.len() == 1 && known.get(&0) == Some(root) {
        Ok(())
    } else {
        Err(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fe;

    fn table(leaves: usize, width: usize, salt: u64) -> Vec<Vec<Fe>> {
        (0..leaves as u64).map(|j| (0..width as u64).map(|c| fe(j * 1000 + c * 7 + salt)).collect()).collect()
    }

    #[test]
    fn tables_of_three_heights_open_and_verify_and_catch_tampering() {
        let (a, b, c) = (table(64, 3, 1), table(16, 2, 2), table(64, 1, 3));
        let tables = Tables { tables: vec![(6, &a), (4, &b), (6, &c)] };
        let tree = MixedTree::build(&tables);
        let queries = [5usize, 21, 63, 5, 40];
        let nodes = tree.multi_open(&queries);
        let rows = |t: &[Vec<Fe>], m: u32| -> Vec<Vec<Fe>> { opened(&queries, m).iter().map(|&j| t[j].clone()).collect() };
        let (ra, rb, rc) = (rows(&a, 6), rows(&b, 4), rows(&c, 6));
        let ok = [(6, 3, &ra[..]), (4, 2, &rb[..]), (6, 1, &rc[..])];
        assert_eq!(verify(&tree.root(), &ok, &queries, &nodes), Ok(()));
        // A changed row of the short table, a changed node, a missing or extra node, a wrong count.
        let mut bad = rb.clone();
        bad[0][1] += fe(1);
        assert!(verify(&tree.root(), &[(6, 3, &ra[..]), (4, 2, &bad[..]), (6, 1, &rc[..])], &queries, &nodes).is_err());
        let mut n = nodes.clone();
        n[0][0] ^= 1;
        assert!(verify(&tree.root(), &ok, &queries, &n).is_err());
        assert!(verify(&tree.root(), &ok, &queries, &nodes[1..].to_vec()).is_err());
        let mut n = nodes.clone();
        n.push([0; 32]);
        assert!(verify(&tree.root(), &ok, &queries, &n).is_err());
        assert_eq!(verify(&tree.root(), &[(6, 3, &ra[..1]), (4, 2, &rb[..]), (6, 1, &rc[..])], &queries, &nodes), Err(0));
        // Swapping two tables' order changes the root.
        let swapped = MixedTree::build(&Tables { tables: vec![(6, &c), (4, &b), (6, &a)] });
        assert_ne!(swapped.root(), tree.root());
    }
}
