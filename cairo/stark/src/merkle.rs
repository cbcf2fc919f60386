//! Merkle commitments to rows of field elements: lambdaworks' tree with our Keccak-256 row hasher.

use crate::field::Fe;
use lambdaworks_crypto::merkle_tree::merkle::MerkleTree;
use lambdaworks_crypto::merkle_tree::traits::IsMerkleTreeBackend;
use sha3::{Digest, Keccak256};

/// Keccak-256 over rows of field elements, with distinct prefixes for leaves and inner nodes.
/// lambdaworks' batch backend serialises each element into a fresh `Vec` before hashing, which
/// costs an allocation per cell; this one feeds the element's limbs straight into the hasher.
#[derive(Clone, Default)]
pub struct RowKeccak;

impl IsMerkleTreeBackend for RowKeccak {
    type Node = [u8; 32];
    type Data = Vec<Fe>;

    fn hash_data(row: &Vec<Fe>) -> [u8; 32] {
        let mut h = Keccak256::new();
        h.update([0u8]);
        for x in row {
            for limb in x.value().limbs {
                h.update(limb.to_be_bytes());
            }
        }
        h.finalize().into()
    }

    fn hash_new_parent(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        let mut h = Keccak256::new();
        h.update([1u8]);
        h.update(left);
        h.update(right);
        h.finalize().into()
    }
}

type Backend = RowKeccak;

/// A Merkle root.
pub type Root = [u8; 32];
/// A sibling path, leaf to root.
pub type Path = Vec<[u8; 32]>;

/// A committed table: one leaf per row.
pub struct Commitment {
    tree: MerkleTree<Backend>,
    leaves: Vec<Vec<Fe>>,
}

impl Commitment {
    /// Commits to `leaves`; their number must be a power of two (at least 2).
    pub fn new(leaves: Vec<Vec<Fe>>) -> Commitment {
        assert!(leaves.len().is_power_of_two() && leaves.len() >= 2, "leaf count must be a power of two");
        let tree = MerkleTree::<Backend>::build(&leaves).expect("non-empty leaves");
        Commitment { tree, leaves }
    }

    pub fn root(&self) -> Root {
        self.tree.root
    }

    /// The leaf at `index` (its Merkle nodes come from [`Commitment::multi_open`]).
    pub fn leaf(&self, index: usize) -> Vec<Fe> {
        self.leaves[index].clone()
    }

    pub fn leaf_count(&self) -> usize {
        self.leaves.len()
    }

    /// The committed leaves, for provers that read their own table back.
    pub fn leaves(&self) -> &[Vec<Fe>] {
        &self.leaves
    }
}

impl Commitment {
    /// The sibling nodes that, with the leaves at `indices`, recompute the root: each node once,
    /// level by level from the leaves up, in increasing index order (a Merkle multiproof).
    pub fn multi_open(&self, indices: &[usize]) -> Path {
        let mut known: std::collections::BTreeMap<usize, Path> = indices
            .iter()
            .map(|&i| (i, self.tree.get_proof_by_pos(i).expect("index within the tree").merkle_path))
            .collect();
        let depth = self.leaves.len().trailing_zeros() as usize;
        let mut out = Vec::new();
        for level in 0..depth {
            let mut next = std::collections::BTreeMap::new();
            for (&i, path) in &known {
                if !known.contains_key(&(i ^ 1)) {
                    out.push(path[level]);
                }
                next.entry(i >> 1).or_insert_with(|| path.clone());
            }
            known = next;
        }
        out
    }
}

/// The distinct leaf indices the queries (pair indices into the tallest table) land on in a
/// table of `leaf_count` leaves, in increasing order.
pub fn distinct_leaves(queries: &[usize], leaf_count: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = queries.iter().map(|q| q % leaf_count).collect();
    idx.sort_unstable();
    idx.dedup();
    idx
}

impl Commitment {
    /// The leaves the queries land on, once each, and their multiproof.
    pub fn open_table(&self, queries: &[usize]) -> crate::proof::TableOpening {
        let idx = distinct_leaves(queries, self.leaf_count());
        crate::proof::TableOpening { leaves: idx.iter().map(|&i| self.leaf(i)).collect(), nodes: self.multi_open(&idx) }
    }
}

/// Checks a [`Commitment::open_table`] opening: one leaf of `row_len` values per distinct index
/// the queries land on, under `root`. Returns the leaves by index.
pub fn check_table<'a>(
    root: &Root,
    leaf_count: usize,
    queries: &[usize],
    opening: &'a crate::proof::TableOpening,
    row_len: usize,
) -> Option<std::collections::BTreeMap<usize, &'a Vec<Fe>>> {
    let idx = distinct_leaves(queries, leaf_count);
    if opening.leaves.len() != idx.len() || opening.leaves.iter().any(|l| l.len() != row_len) {
        return None;
    }
    let pairs: Vec<(usize, &Vec<Fe>)> = idx.iter().copied().zip(&opening.leaves).collect();
    if !verify_batch(root, leaf_count.trailing_zeros(), &pairs, &opening.nodes) {
        return None;
    }
    Some(pairs.into_iter().collect())
}

/// Checks a multiproof from [`Commitment::multi_open`]: the `leaves` (index, row) sit under
/// `root` in a tree of `2^depth` leaves, and `nodes` holds exactly the siblings needed. The same
/// index may appear twice only with the same row.
pub fn verify_batch(root: &Root, depth: u32, leaves: &[(usize, &Vec<Fe>)], nodes: &Path) -> bool {
    let mut known = std::collections::BTreeMap::new();
    for (i, row) in leaves {
        if (*i >> depth) != 0 {
            return false;
        }
        let h = RowKeccak::hash_data(row);
        if known.insert(*i, h).is_some_and(|old| old != h) {
            return false;
        }
    }
    let mut supplied = nodes.iter();
    for _ in 0..depth {
        let mut next = std::collections::BTreeMap::new();
        for (&i, h) in &known {
            if i & 1 == 1 && known.contains_key(&(i ^ 1)) {
                continue;
            }
            let sibling = match known.get(&(i ^ 1)) {
                Some(s) => s,
                None => match supplied.next() {
                    Some(s) => s,
                    None => return false,
                },
            };
            let parent = if i & 1 == 0 { RowKeccak::hash_new_parent(h, sibling) } else { RowKeccak::hash_new_parent(sibling, h) };
            next.insert(i >> 1, parent);
        }
        known = next;
    }
    supplied.next().is_none() && known.len() == 1 && known.get(&0) == Some(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fe;

    #[test]
    fn open_and_verify() {
        let leaves: Vec<Vec<Fe>> = (0..16u64).map(|i| vec![fe(i), fe(i * i)]).collect();
        let c = Commitment::new(leaves);
        for i in 0..16 {
            let (leaf, path) = (c.leaf(i), c.multi_open(&[i]));
            assert!(verify_batch(&c.root(), 4, &[(i, &leaf)], &path));
            assert!(!verify_batch(&c.root(), 4, &[((i + 1) % 16, &leaf)], &path));
            let mut bad = leaf.clone();
            bad[1] += fe(1);
            assert!(!verify_batch(&c.root(), 4, &[(i, &bad)], &path));
            assert!(!verify_batch(&c.root(), 3, &[(i, &leaf)], &path[..3].to_vec()));
        }
    }

    #[test]
    fn multiproofs_verify_and_catch_tampering() {
        let leaves: Vec<Vec<Fe>> = (0..64u64).map(|i| vec![fe(i), fe(3 * i + 1)]).collect();
        let c = Commitment::new(leaves.clone());
        let idx = [5usize, 6, 7, 40, 5, 63];
        let nodes = c.multi_open(&idx);
        let opened: Vec<(usize, &Vec<Fe>)> = idx.iter().map(|&i| (i, &leaves[i])).collect();
        assert!(verify_batch(&c.root(), 6, &opened, &nodes));
        // Shared nodes are sent once: fewer than one full path per distinct index.
        assert!(nodes.len() < 5 * 6);
        let mut bad_nodes = nodes.clone();
        bad_nodes[2][0] ^= 1;
        assert!(!verify_batch(&c.root(), 6, &opened, &bad_nodes));
        let mut extra = nodes.clone();
        extra.push([0u8; 32]);
        assert!(!verify_batch(&c.root(), 6, &opened, &extra));
        assert!(!verify_batch(&c.root(), 6, &opened, &nodes[..nodes.len() - 1].to_vec()));
        let other = vec![fe(99), fe(1)];
        let mut wrong = opened.clone();
        wrong[1] = (6, &other);
        assert!(!verify_batch(&c.root(), 6, &wrong, &nodes));
        let mut conflicting = opened.clone();
        conflicting[4] = (5, &other);
        assert!(!verify_batch(&c.root(), 6, &conflicting, &nodes));
        assert!(!verify_batch(&c.root(), 5, &opened, &nodes));
    }
}
