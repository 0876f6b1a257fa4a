//! Dominator tree and dominance frontiers, by the iterative algorithm of
//! Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"): no
//! recursion, near-linear on the reducible graphs structured code makes.

use crate::cfg;
use crate::ir::*;

pub struct DomTree {
    /// Reachable blocks in reverse post-order.
    pub rpo: Vec<BlockId>,
    /// Position of each block in `rpo`; `u32::MAX` for unreachable blocks.
    rpo_index: Vec<u32>,
    /// Immediate dominator; the entry is its own, unreachable blocks have none.
    idom: Vec<Option<BlockId>>,
    /// Dominator-tree children of every block.
    pub children: Vec<Vec<BlockId>>,
}

impl DomTree {
    pub fn compute(f: &Function, preds: &[Vec<BlockId>]) -> DomTree {
        let n = f.blocks.len();
        let rpo = cfg::reverse_postorder(f);
        let mut rpo_index = vec![u32::MAX; n];
        for (i, b) in rpo.iter().enumerate() {
            rpo_index[b.0 as usize] = i as u32;
        }
        let mut idom: Vec<Option<BlockId>> = vec![None; n];
        if let Some(&entry) = rpo.first() {
            idom[entry.0 as usize] = Some(entry);
        }
        let intersect = |idom: &[Option<BlockId>], mut a: BlockId, mut b: BlockId| {
            while a != b {
                while rpo_index[a.0 as usize] > rpo_index[b.0 as usize] {
                    a = idom[a.0 as usize].unwrap();
                }
                while rpo_index[b.0 as usize] > rpo_index[a.0 as usize] {
                    b = idom[b.0 as usize].unwrap();
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for &b in rpo.iter().skip(1) {
                let mut new_idom: Option<BlockId> = None;
                for &p in &preds[b.0 as usize] {
                    if idom[p.0 as usize].is_none() {
                        continue; // not processed yet, or unreachable
                    }
                    new_idom = Some(match new_idom {
                        None => p,
                        Some(d) => intersect(&idom, p, d),
                    });
                }
                if new_idom.is_some() && idom[b.0 as usize] != new_idom {
                    idom[b.0 as usize] = new_idom;
                    changed = true;
                }
            }
        }
        let mut children = vec![Vec::new(); n];
        for &b in rpo.iter().skip(1) {
            let d = idom[b.0 as usize].unwrap();
            children[d.0 as usize].push(b);
        }
        DomTree { rpo, rpo_index, idom, children }
    }

    pub fn is_reachable(&self, b: BlockId) -> bool {
        self.rpo_index[b.0 as usize] != u32::MAX
    }

    /// Whether `a` dominates `b` (walks up the tree: for checks, not hot paths).
    pub fn dominates(&self, a: BlockId, mut b: BlockId) -> bool {
        if !self.is_reachable(b) {
            return false;
        }
        loop {
            if a == b {
                return true;
            }
            let d = self.idom[b.0 as usize].unwrap();
            if d == b {
                return false;
            }
            b = d;
        }
    }

    /// The dominance frontier of every block: the blocks where its
    /// dominance ends, which is where a definition in it meets others.
    pub fn frontiers(&self, preds: &[Vec<BlockId>]) -> Vec<Vec<BlockId>> {
        let n = self.idom.len();
        let mut df: Vec<Vec<BlockId>> = vec![Vec::new(); n];
        for &b in &self.rpo {
            let ps = &preds[b.0 as usize];
            if ps.len() < 2 {
                continue;
            }
            let stop = self.idom[b.0 as usize].unwrap();
            for &p in ps {
                if !self.is_reachable(p) {
                    continue;
                }
                let mut runner = p;
                while runner != stop {
                    let set = &mut df[runner.0 as usize];
                    // All additions of `b` happen in this loop, so a repeat
                    // is always the last element.
                    if set.last() != Some(&b) {
                        set.push(b);
                    }
                    let up = self.idom[runner.0 as usize].unwrap();
                    if up == runner {
                        break; // the entry
                    }
                    runner = up;
                }
            }
        }
        df
    }
}
