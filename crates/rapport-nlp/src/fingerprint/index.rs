//! Grouping fingerprints within a Hamming distance, with band hashing (pigeonhole LSH).

use super::hamming;
use std::collections::HashMap;

/// Groups fingerprints that lie within `max_distance` bits of each other (single linkage:
/// `a` near `b` near `c` puts all three in one group).
///
/// The 64 bits are cut into `max_distance + 1` bands: two fingerprints within
/// `max_distance` bits agree exactly on at least one band (pigeonhole), so a lookup only
/// compares the fingerprints that share a band with the one looked up, and finds every one
/// within the distance, no approximation. Lookups cost more as the distance grows (narrower
/// bands share more often by chance): distances up to 8 stay cheap on hundreds of thousands
/// of posts; the distance is capped at [`DuplicateIndex::MAX_DISTANCE`].
///
/// ```
/// use rapport_nlp::fingerprint::{fingerprint, DuplicateIndex};
/// let mut index = DuplicateIndex::new(6);
/// let a = index.insert(fingerprint("Flight 12 cancelled, no rebooking offered, great job"));
/// let b = index.insert(fingerprint("RT @x: Flight 98 cancelled, no rebooking offered, great job"));
/// let c = index.insert(fingerprint("Thanks for the upgrade, the crew was lovely"));
/// assert_eq!(index.group_of(a), index.group_of(b));
/// assert_ne!(index.group_of(a), index.group_of(c));
/// assert_eq!(index.groups(2), vec![vec![a, b]]);
/// ```
#[derive(Debug, Clone)]
pub struct DuplicateIndex {
    max_distance: u32,
    /// Per band: (shift, mask) of its bits.
    bands: Vec<(u32, u64)>,
    /// Per band: band value → the items holding it.
    buckets: Vec<HashMap<u64, Vec<u32>>>,
    fingerprints: Vec<u64>,
    /// Union-find parents.
    parent: Vec<u32>,
}

impl DuplicateIndex {
    /// The largest distance the index accepts (a larger one is lowered to it).
    pub const MAX_DISTANCE: u32 = 15;

    /// An empty index grouping fingerprints within `max_distance` bits (at most
    /// [`DuplicateIndex::MAX_DISTANCE`]).
    pub fn new(max_distance: u32) -> DuplicateIndex {
        let max_distance = max_distance.min(Self::MAX_DISTANCE);
        let count = max_distance + 1;
        let mut bands = Vec::with_capacity(count as usize);
        let mut shift = 0;
        for i in 0..count {
            // Spread the 64 bits as evenly as possible.
            let width = 64 / count + u32::from(i < 64 % count);
            let mask = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            bands.push((shift, mask));
            shift += width;
        }
        DuplicateIndex {
            max_distance,
            buckets: vec![HashMap::new(); bands.len()],
            bands,
            fingerprints: Vec::new(),
            parent: Vec::new(),
        }
    }

    /// The distance this index groups within.
    pub fn max_distance(&self) -> u32 {
        self.max_distance
    }

    /// How many fingerprints were inserted.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// The fingerprint inserted as item `item`.
    pub fn fingerprint(&self, item: usize) -> Option<u64> {
        self.fingerprints.get(item).copied()
    }

    /// The items already inserted within the distance of `fp`, in insertion order.
    pub fn near(&self, fp: u64) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        for (band, &(shift, mask)) in self.bands.iter().enumerate() {
            let Some(items) = self.buckets[band].get(&(fp >> shift & mask)) else {
                continue;
            };
            for &item in items {
                let item = item as usize;
                if hamming(self.fingerprints[item], fp) <= self.max_distance {
                    found.push(item);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Inserts `fp` as a new item, joins it to the group of every item within the
    /// distance, and returns the new item's number (0, 1, 2... in insertion order).
    pub fn insert(&mut self, fp: u64) -> usize {
        let item = self.fingerprints.len();
        let near = self.near(fp);
        let id = u32::try_from(item).unwrap_or(u32::MAX);
        self.fingerprints.push(fp);
        self.parent.push(id);
        for (band, &(shift, mask)) in self.bands.iter().enumerate() {
            self.buckets[band]
                .entry(fp >> shift & mask)
                .or_default()
                .push(id);
        }
        for other in near {
            self.union(item, other);
        }
        item
    }

    /// The group of `item`: the smallest item number in it (so the first one inserted).
    /// An item number that was never returned by [`insert`](Self::insert) is its own group.
    pub fn group_of(&mut self, item: usize) -> usize {
        if item >= self.parent.len() {
            return item;
        }
        self.find(item)
    }

    /// Every group of at least `min_size` items, each sorted, largest groups first (ties by
    /// first item).
    pub fn groups(&mut self, min_size: usize) -> Vec<Vec<usize>> {
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for item in 0..self.parent.len() {
            let root = self.find(item);
            by_root.entry(root).or_default().push(item);
        }
        let mut groups: Vec<Vec<usize>> = by_root
            .into_values()
            .filter(|g| g.len() >= min_size.max(1))
            .collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        groups
    }

    fn find(&mut self, item: usize) -> usize {
        let mut root = item;
        while self.parent[root] as usize != root {
            root = self.parent[root] as usize;
        }
        let mut at = item;
        while self.parent[at] as usize != root {
            let next = self.parent[at] as usize;
            self.parent[at] = root as u32;
            at = next;
        }
        root
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller number becomes the root, so a group is named by its first item.
            let (keep, merge) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[merge] = keep as u32;
        }
    }
}
