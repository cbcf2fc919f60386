//! A shared byte budget for large inbound requests: a request takes from it as its bytes arrive
//! (so a peer that announces a large frame and stalls holds nothing) and gives it back when its
//! stream ends (answered, timed out or dropped).
//!
//! Frame caps bound one request; connection and stream limits bound how many; this bounds their
//! product, so a crowd of peers each sending a 32 MiB proof cannot exhaust an org's memory while
//! it is still acknowledging the first ones. Over budget, a request is refused as "busy" and the
//! sender retries later.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Debug)]
pub struct Budget {
    used: AtomicUsize,
    max: usize,
}

/// Bytes taken from a [`Budget`], given back on drop.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<Budget>,
    bytes: usize,
}

impl Budget {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Budget {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// Takes `bytes`, or returns `None` when that would exceed the budget.
    pub fn reserve(self: &Arc<Self>, bytes: usize) -> Option<Reservation> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.max)
            })
            .ok()
            .map(|_| Reservation {
                budget: self.clone(),
                bytes,
            })
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl Reservation {
    /// Takes `more` bytes into this reservation, or returns false (taking nothing) when that
    /// would exceed the budget.
    pub fn grow(&mut self, more: usize) -> bool {
        let max = self.budget.max;
        let ok = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(more).filter(|total| *total <= max)
            })
            .is_ok();
        if ok {
            self.bytes += more;
        }
        ok
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_are_bounded_and_returned_on_drop() {
        let b = Budget::new(100);
        let r1 = b.reserve(60).unwrap();
        assert!(b.reserve(41).is_none());
        let r2 = b.reserve(40).unwrap();
        assert_eq!(b.used(), 100);
        drop(r1);
        assert_eq!(b.used(), 40);
        assert!(
            b.reserve(60).is_some(),
            "the temporary reservation is returned at once"
        );
        drop(r2);
        assert_eq!(b.used(), 0);
        let mut r3 = b.reserve(0).unwrap();
        assert!(r3.grow(70) && r3.grow(30));
        assert!(!r3.grow(1), "growing past the budget takes nothing");
        assert_eq!((r3.bytes(), b.used()), (100, 100));
        drop(r3);
        assert_eq!(b.used(), 0);
        assert!(b.reserve(usize::MAX).is_none(), "no overflow");
    }
}
