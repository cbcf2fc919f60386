//! Merkle commitments to rows of field elements: lambdaworks' tree with our Keccak-256 row hasher.

use crate::field::Fe;
use lambdaworks_crypto::merkle_tree::merkle::MerkleTree;
use lambdaworks_crypto::merkle_tree::proof::Proof;
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

    /// The leaf at `index` and its path.
    pub fn open(&self, index: usize) -> (Vec<Fe>, Path) {
        let proof = self.tree.get_proof_by_pos(index).expect("index within the tree");
        (self.leaves[index].clone(), proof.merkle_path)
    }

    pub fn leaf_count(&self) -> usize {
        self.leaves.len()
    }

    /// The committed leaves, for provers that read their own table back.
    pub fn leaves(&self) -> &[Vec<Fe>] {
        &self.leaves
    }
}

/// Checks that `leaf` sits at `index` under `root` in a tree of `2^depth` leaves. The path length is
/// checked against the depth first, so a path can only ever open a leaf at that depth.
pub fn verify_path(root: &Root, depth: u32, index: usize, leaf: &Vec<Fe>, path: &Path) -> bool {
    if path.len() != depth as usize || (index >> depth) != 0 {
        return false;
    }
    let proof = Proof { merkle_path: path.clone() };
    proof.verify::<Backend>(root, index, leaf)
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
            let (leaf, path) = c.open(i);
            assert!(verify_path(&c.root(), 4, i, &leaf, &path));
            assert!(!verify_path(&c.root(), 4, (i + 1) % 16, &leaf, &path));
            let mut bad = leaf.clone();
            bad[1] += fe(1);
            assert!(!verify_path(&c.root(), 4, i, &bad, &path));
            assert!(!verify_path(&c.root(), 3, i, &leaf, &path[..3].to_vec()));
        }
    }
}
