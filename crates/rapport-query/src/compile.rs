//! The compiled engine: many monitors, one pass over each post.
//!
//! Compiling interns every distinct [`Atom`] of every monitor and encodes each as one to
//! five byte patterns for a single Aho-Corasick automaton, over the layout of
//! [`rapport_text::Tokens::scan_text`]: each token as a kind marker, its folded text and an
//! end byte (`\u{1}acme\u{0}` is the word `acme`; `\u{3}acme@` starts a mention whose name
//! is `acme`). A post is tokenized once; one overlapping scan of its text and one of its
//! title find every atom occurrence with its field and position: the *hits*.
//!
//! Each monitor has a *trigger set*, keys of which at least one must be present for the
//! monitor to match: for a term its rarest atom, for `AND` the cheapest child's set, for
//! `OR` the union of its children's sets; filters (`author:`, `site:`, `lang:`,
//! `network:`) are keys looked up in hash maps. The monitors triggered by the hits and the
//! filter keys are the candidates; only they are evaluated, exactly, over the hits (binary
//! searches, no string comparison). Since every query needs something present to match,
//! every monitor has a trigger set; a monitor without one would be evaluated on every post.

use crate::ast::{Atom, AtomKind, Expr, Pattern, Query, Scope};
use crate::document::{Document, PreparedDocument};
use crate::naive::near;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use rapport_model::{MonitorId, Network, Post};
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::mem::size_of;

/// Ends a token in the scan text.
const END: u8 = rapport_text::SCAN_END;
/// Starts a word.
const WORD: u8 = 1;
/// Starts a hashtag.
const TAG: u8 = 2;
/// Starts a mention.
const MENTION: u8 = 3;
/// Starts an emoji.
const EMOJI: u8 = 5;
/// Starts an emoticon.
const EMOTICON: u8 = 6;

/// The bit of a hit that says it is in the title.
const TITLE_BIT: u64 = 1 << 31;
/// Positions beyond this are not indexed (texts of gigabytes).
const MAX_POSITION: usize = (1 << 31) - 1;

/// Lists of `u32` indexed by a dense key, stored flat.
#[derive(Debug, Clone, Default)]
struct Lists {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn build(keys: usize, mut pairs: Vec<(u32, u32)>) -> Lists {
        pairs.sort_unstable();
        pairs.dedup();
        pairs.retain(|&(key, _)| (key as usize) < keys);
        let mut offsets = vec![0u32; keys + 1];
        for &(key, _) in &pairs {
            offsets[key as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        Lists {
            offsets,
            items: pairs.into_iter().map(|(_, item)| item).collect(),
        }
    }

    fn get(&self, key: usize) -> &[u32] {
        match (self.offsets.get(key), self.offsets.get(key + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn heap_size(&self) -> usize {
        (self.offsets.capacity() + self.items.capacity()) * size_of::<u32>()
    }
}

/// A monitor's query with its atoms replaced by their ids.
#[derive(Debug, Clone)]
enum Program {
    And(Box<[Program]>),
    Or(Box<[Program]>),
    Not(Box<Program>),
    Text {
        atoms: Box<[u32]>,
        title_only: bool,
    },
    Near {
        left: Box<[u32]>,
        right: Box<[u32]>,
        distance: u32,
    },
    Author(Box<str>),
    Lang(Box<str>),
    Network(Network),
    Site(Box<str>),
}

impl Program {
    fn heap_size(&self) -> usize {
        match self {
            Program::And(items) | Program::Or(items) => {
                items.len() * size_of::<Program>()
                    + items.iter().map(Program::heap_size).sum::<usize>()
            }
            Program::Not(inner) => size_of::<Program>() + inner.heap_size(),
            Program::Text { atoms, .. } => atoms.len() * size_of::<u32>(),
            Program::Near { left, right, .. } => (left.len() + right.len()) * size_of::<u32>(),
            Program::Author(s) | Program::Lang(s) | Program::Site(s) => s.len(),
            Program::Network(_) => 0,
        }
    }
}

/// A key whose presence makes a monitor a candidate.
#[derive(Debug, Clone)]
enum Key {
    Atom(u32),
    Network(Network),
    Lang(Box<str>),
    Author(Box<str>),
    Site(Box<str>),
}

/// Many monitors compiled into one matcher that scans each post once.
///
/// Immutable once built, `Send` and `Sync`: share it behind an `Arc` and, when monitors
/// change, compile a new one and swap it in; matching never waits for compiling.
///
/// ```
/// use rapport_model::MonitorId;
/// use rapport_query::{Document, MatcherSet, Query};
/// let set = MatcherSet::compile([
///     (MonitorId(1), Query::parse("acme NOT job*").unwrap()),
///     (MonitorId(2), Query::parse("\"big sale\" OR #acmesale").unwrap()),
/// ]);
/// let doc = Document::new("Acme's big sale starts today!");
/// assert_eq!(set.matches(&doc), vec![MonitorId(1), MonitorId(2)]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MatcherSet {
    ids: Vec<MonitorId>,
    programs: Vec<Program>,
    automaton: Option<AhoCorasick>,
    pattern_atoms: Lists,
    atom_monitors: Lists,
    network_monitors: Vec<Vec<u32>>,
    lang_monitors: HashMap<Box<str>, Vec<u32>>,
    author_monitors: HashMap<Box<str>, Vec<u32>>,
    site_monitors: HashMap<Box<str>, Vec<u32>>,
    always: Vec<u32>,
    atom_count: usize,
    pattern_count: usize,
}

/// Reusable per-thread working memory for [`MatcherSet::matches_with`]: the prepared
/// document, the hits and the candidates. Keeping one per worker makes
/// matching allocation-free once the buffers have grown.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    doc: PreparedDocument,
    hits: Vec<u64>,
    candidates: Vec<u32>,
    /// Per atom id: the generation in which `ranges` was last set for it.
    stamps: Vec<u32>,
    /// Per atom id: its hits, as a range of `hits`, valid when its stamp is current.
    ranges: Vec<(u32, u32)>,
    generation: u32,
}

impl Scratch {
    /// Empty working memory.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

struct Interner {
    ids: HashMap<Atom, u32>,
    atoms: Vec<Atom>,
}

impl Interner {
    fn intern(&mut self, atom: &Atom) -> u32 {
        if let Some(&id) = self.ids.get(atom) {
            return id;
        }
        let id = u32::try_from(self.atoms.len()).unwrap_or(u32::MAX);
        self.ids.insert(atom.clone(), id);
        self.atoms.push(atom.clone());
        id
    }

    fn pattern(&mut self, pattern: &Pattern) -> Box<[u32]> {
        pattern.atoms.iter().map(|a| self.intern(a)).collect()
    }

    fn lower(&mut self, expr: &Expr) -> Program {
        match expr {
            Expr::And(items) => Program::And(items.iter().map(|e| self.lower(e)).collect()),
            Expr::Or(items) => Program::Or(items.iter().map(|e| self.lower(e)).collect()),
            Expr::Not(inner) => Program::Not(Box::new(self.lower(inner))),
            Expr::Text { pattern, scope } => Program::Text {
                atoms: self.pattern(pattern),
                title_only: *scope == Scope::Title,
            },
            Expr::Near {
                left,
                right,
                distance,
            } => Program::Near {
                left: self.pattern(left),
                right: self.pattern(right),
                distance: *distance,
            },
            Expr::Author(s) => Program::Author(s.as_str().into()),
            Expr::Lang(s) => Program::Lang(s.as_str().into()),
            Expr::Network(n) => Program::Network(*n),
            Expr::Site(s) => Program::Site(s.as_str().into()),
        }
    }
}

/// Words too common to be good triggers.
const COMMON: &[&str] = &[
    "a", "an", "and", "are", "at", "be", "but", "by", "can", "do", "for", "from", "get", "have",
    "i", "in", "is", "it", "just", "me", "my", "no", "not", "of", "on", "or", "so", "that", "the",
    "this", "to", "was", "we", "what", "with", "you", "your",
];

/// A guess at how often an atom occurs: short words, prefixes and common words are costly
/// triggers; hashtags and mentions are rarer than words.
fn atom_cost(atom: &Atom) -> f64 {
    let len = atom.text.chars().count().max(1) as f64;
    let mut cost = 64.0 / (len * len);
    if atom.prefix {
        cost *= 3.0;
    }
    if atom.kind != AtomKind::Word {
        cost /= 4.0;
    }
    if COMMON.contains(&atom.text.as_str()) {
        cost *= 50.0;
    }
    cost
}

fn best_atom(ids: &[u32], atoms: &[Atom]) -> Option<(f64, Vec<Key>)> {
    ids.iter()
        .filter_map(|&id| atoms.get(id as usize).map(|a| (atom_cost(a), id)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(cost, id)| (cost, vec![Key::Atom(id)]))
}

/// A trigger set for `program` and its estimated cost, or `None` if it can match by an
/// absence alone.
fn triggers(program: &Program, atoms: &[Atom]) -> Option<(f64, Vec<Key>)> {
    match program {
        Program::And(items) => items
            .iter()
            .filter_map(|p| triggers(p, atoms))
            .min_by(|a, b| a.0.total_cmp(&b.0)),
        Program::Or(items) => {
            let mut total = 0.0;
            let mut keys = Vec::new();
            for item in items.iter() {
                let (cost, more) = triggers(item, atoms)?;
                total += cost;
                keys.extend(more);
            }
            Some((total, keys))
        }
        Program::Not(_) => None,
        Program::Text { atoms: ids, .. } => best_atom(ids, atoms),
        Program::Near { left, right, .. } => {
            let l = best_atom(left, atoms);
            let r = best_atom(right, atoms);
            match (l, r) {
                (Some(l), Some(r)) => Some(if l.0 <= r.0 { l } else { r }),
                (l, r) => l.or(r),
            }
        }
        Program::Author(s) => Some((0.5, vec![Key::Author(s.clone())])),
        Program::Site(s) => Some((0.5, vec![Key::Site(s.clone())])),
        Program::Lang(s) => Some((100.0, vec![Key::Lang(primary_subtag(s).into())])),
        Program::Network(n) => Some((100.0, vec![Key::Network(*n)])),
    }
}

fn primary_subtag(lang: &str) -> &str {
    lang.split('-').next().unwrap_or(lang)
}

fn network_index(network: Network) -> usize {
    Network::ALL.iter().position(|n| *n == network).unwrap_or(0)
}

/// The byte patterns that find `atom` in a [`rapport_text::Tokens::scan_text`].
fn encode(atom: &Atom) -> Vec<Vec<u8>> {
    let text = atom.text.as_bytes();
    let with = |marker: u8, end: Option<u8>| {
        let mut p = Vec::with_capacity(text.len() + 2);
        p.push(marker);
        p.extend_from_slice(text);
        p.extend(end);
        p
    };
    // A mention's name ends at its first `@` or `.`, or with the mention.
    let name_ends = [Some(END), Some(b'@'), Some(b'.')];
    let end = (!atom.prefix).then_some(END);
    let has_separator = atom.text.contains(['@', '.']);
    match atom.kind {
        AtomKind::Word => {
            let mut out = vec![with(WORD, end), with(TAG, end)];
            // A word matches a mention's name; names hold no `@` or `.`.
            if !has_separator {
                if atom.prefix {
                    out.push(with(MENTION, None));
                } else {
                    out.extend(name_ends.map(|e| with(MENTION, e)));
                }
            }
            out
        }
        AtomKind::Hashtag => vec![with(TAG, end)],
        AtomKind::Mention if atom.prefix || has_separator => vec![with(MENTION, end)],
        AtomKind::Mention => name_ends.map(|e| with(MENTION, e)).to_vec(),
        AtomKind::Emoji => vec![with(EMOJI, Some(END))],
        AtomKind::Emoticon => vec![with(EMOTICON, Some(END))],
    }
}

impl MatcherSet {
    /// Compiles monitors into one matcher. Monitors are kept in id order; matching the same
    /// id twice reports it once.
    pub fn compile<Q: Borrow<Query>>(
        monitors: impl IntoIterator<Item = (MonitorId, Q)>,
    ) -> MatcherSet {
        let mut monitors: Vec<(MonitorId, Q)> = monitors.into_iter().collect();
        monitors.sort_by_key(|(id, _)| *id);
        let mut interner = Interner {
            ids: HashMap::new(),
            atoms: Vec::new(),
        };
        let mut set = MatcherSet {
            network_monitors: vec![Vec::new(); Network::ALL.len()],
            ..MatcherSet::default()
        };
        let mut atom_triggers = Vec::new();
        for (index, (id, query)) in monitors.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let program = interner.lower(&query.borrow().expr);
            match triggers(&program, &interner.atoms) {
                None => set.always.push(index),
                Some((_, keys)) => {
                    for key in keys {
                        match key {
                            Key::Atom(atom) => atom_triggers.push((atom, index)),
                            Key::Network(n) => set.network_monitors[network_index(n)].push(index),
                            Key::Lang(l) => set.lang_monitors.entry(l).or_default().push(index),
                            Key::Author(a) => set.author_monitors.entry(a).or_default().push(index),
                            Key::Site(s) => set.site_monitors.entry(s).or_default().push(index),
                        }
                    }
                }
            }
            set.ids.push(*id);
            set.programs.push(program);
        }
        for lists in [
            &mut set.lang_monitors,
            &mut set.author_monitors,
            &mut set.site_monitors,
        ] {
            for list in lists.values_mut() {
                list.dedup();
                list.shrink_to_fit();
            }
        }
        for list in &mut set.network_monitors {
            list.dedup();
        }

        let atoms = interner.atoms;
        let mut pattern_ids: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_atoms = Vec::new();
        for (atom_id, atom) in atoms.iter().enumerate() {
            for bytes in encode(atom) {
                let next = u32::try_from(patterns.len()).unwrap_or(u32::MAX);
                let pattern = *pattern_ids.entry(bytes.clone()).or_insert_with(|| {
                    patterns.push(bytes);
                    next
                });
                pattern_atoms.push((pattern, u32::try_from(atom_id).unwrap_or(u32::MAX)));
            }
        }
        set.automaton = build_automaton(&patterns);
        set.pattern_atoms = Lists::build(patterns.len(), pattern_atoms);
        set.atom_monitors = Lists::build(atoms.len(), atom_triggers);
        set.atom_count = atoms.len();
        set.pattern_count = patterns.len();
        set
    }

    /// How many monitors it holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds no monitor.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many distinct atoms (terms, hashtags, mentions, prefixes) its monitors use.
    pub fn atom_count(&self) -> usize {
        self.atom_count
    }

    /// How many byte patterns the automaton holds.
    pub fn pattern_count(&self) -> usize {
        self.pattern_count
    }

    /// The ids of the monitors matching `doc`, sorted, without repeats.
    pub fn matches(&self, doc: &Document<'_>) -> Vec<MonitorId> {
        let mut out = Vec::new();
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.matches_with(doc, &mut scratch, &mut out),
            Err(_) => self.matches_with(doc, &mut Scratch::new(), &mut out),
        });
        out
    }

    /// The ids of the monitors matching a stored post (see [`Document::from_post`]); the
    /// signature of `rapport_engine::MonitorMatcher::matches`.
    pub fn matches_post(&self, post: &Post) -> Vec<MonitorId> {
        self.matches(&Document::from_post(post))
    }

    /// Like [`MatcherSet::matches`], with caller-held working memory, writing the ids into
    /// `out` (cleared first). Allocates nothing once `scratch` and `out` have grown.
    pub fn matches_with(
        &self,
        doc: &Document<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<MonitorId>,
    ) {
        out.clear();
        if self.ids.is_empty() {
            return;
        }
        scratch.doc.prepare(doc);
        self.scan(scratch);
        self.collect_candidates(scratch);
        let Scratch {
            doc,
            hits,
            candidates,
            stamps,
            ranges,
            generation,
        } = scratch;
        let ctx = Context {
            doc,
            hits,
            stamps,
            ranges,
            generation: *generation,
        };
        for &candidate in candidates.iter() {
            let index = candidate as usize;
            if let (Some(program), Some(&id)) = (self.programs.get(index), self.ids.get(index)) {
                if ctx.eval(program) && out.last() != Some(&id) {
                    out.push(id);
                }
            }
        }
    }

    /// Runs the automaton over the text's and the title's tokens, filling `scratch.hits`.
    fn scan(&self, scratch: &mut Scratch) {
        let Scratch { doc, hits, .. } = scratch;
        hits.clear();
        let Some(automaton) = &self.automaton else {
            self.index_hits(scratch);
            return;
        };
        for (field, tokens) in [(0, &doc.text), (TITLE_BIT, &doc.title)] {
            if tokens.is_empty() {
                continue;
            }
            let input = Input::new(tokens.scan_text().as_bytes());
            let Ok(found) = automaton.try_find_overlapping_iter(input) else {
                continue;
            };
            for m in found {
                let Some(position) = tokens.token_at(m.start()).filter(|&p| p <= MAX_POSITION)
                else {
                    continue;
                };
                let place = field | position as u64;
                for &atom in self.pattern_atoms.get(m.pattern().as_usize()) {
                    hits.push((u64::from(atom) << 32) | place);
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        self.index_hits(scratch);
    }

    /// Records where each atom's hits are, for constant-time lookups while evaluating.
    fn index_hits(&self, scratch: &mut Scratch) {
        let Scratch {
            hits,
            stamps,
            ranges,
            generation,
            ..
        } = scratch;
        if stamps.len() < self.atom_count {
            stamps.resize(self.atom_count, 0);
            ranges.resize(self.atom_count, (0, 0));
        }
        *generation = generation.wrapping_add(1);
        if *generation == 0 {
            stamps.fill(0);
            *generation = 1;
        }
        let mut start = 0;
        while start < hits.len() {
            let atom = hits[start] >> 32;
            let mut end = start + 1;
            while end < hits.len() && hits[end] >> 32 == atom {
                end += 1;
            }
            if let (Some(stamp), Some(range)) =
                (stamps.get_mut(atom as usize), ranges.get_mut(atom as usize))
            {
                *stamp = *generation;
                *range = (start as u32, end as u32);
            }
            start = end;
        }
    }

    /// Fills `scratch.candidates` with the sorted, distinct monitors to evaluate.
    fn collect_candidates(&self, scratch: &mut Scratch) {
        let Scratch {
            doc,
            hits,
            candidates,
            ..
        } = scratch;
        candidates.clear();
        let mut last = u64::MAX;
        for &hit in hits.iter() {
            let atom = hit >> 32;
            if atom != last {
                candidates.extend_from_slice(self.atom_monitors.get(atom as usize));
                last = atom;
            }
        }
        if let Some(network) = doc.network {
            if let Some(list) = self.network_monitors.get(network_index(network)) {
                candidates.extend_from_slice(list);
            }
        }
        if !self.lang_monitors.is_empty() {
            if let Some(lang) = doc.lang() {
                if let Some(list) = self.lang_monitors.get(primary_subtag(lang)) {
                    candidates.extend_from_slice(list);
                }
            }
        }
        if !self.author_monitors.is_empty() {
            if let (Some(full), Some(name)) = (doc.author(), doc.author_name()) {
                for key in [full, name] {
                    if let Some(list) = self.author_monitors.get(key) {
                        candidates.extend_from_slice(list);
                    }
                }
            }
        }
        if !self.site_monitors.is_empty() {
            for host in doc.hosts() {
                let mut suffix = host;
                loop {
                    if let Some(list) = self.site_monitors.get(suffix) {
                        candidates.extend_from_slice(list);
                    }
                    match suffix.find('.') {
                        Some(dot) => suffix = &suffix[dot + 1..],
                        None => break,
                    }
                }
            }
        }
        candidates.extend_from_slice(&self.always);
        candidates.sort_unstable();
        candidates.dedup();
    }

    /// An estimate of the heap memory it holds, in bytes: the automaton's own report plus
    /// the capacities of its vectors and hash maps (keys, values and their heap parts;
    /// hash-table control bytes and allocator overhead are not counted).
    pub fn heap_size(&self) -> usize {
        let map = |m: &HashMap<Box<str>, Vec<u32>>| {
            m.capacity() * (size_of::<Box<str>>() + size_of::<Vec<u32>>())
                + m.iter()
                    .map(|(k, v)| k.len() + v.capacity() * size_of::<u32>())
                    .sum::<usize>()
        };
        self.ids.capacity() * size_of::<MonitorId>()
            + self.programs.capacity() * size_of::<Program>()
            + self.programs.iter().map(Program::heap_size).sum::<usize>()
            + self.automaton.as_ref().map_or(0, AhoCorasick::memory_usage)
            + self.pattern_atoms.heap_size()
            + self.atom_monitors.heap_size()
            + self
                .network_monitors
                .iter()
                .map(|l| size_of::<Vec<u32>>() + l.capacity() * size_of::<u32>())
                .sum::<usize>()
            + map(&self.lang_monitors)
            + map(&self.author_monitors)
            + map(&self.site_monitors)
            + self.always.capacity() * size_of::<u32>()
    }
}

/// A DFA when it fits, else whatever the crate picks; `None` without patterns.
fn build_automaton(patterns: &[Vec<u8>]) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        // Every token starts with a marker byte a pattern starts with: a prefilter on
        // starting bytes would stop at every token for nothing.
        .prefilter(false)
        .build(patterns)
        .or_else(|_| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns)
        })
        .ok()
}

/// What an evaluation looks at: the document and its sorted hits.
struct Context<'a> {
    doc: &'a PreparedDocument,
    hits: &'a [u64],
    stamps: &'a [u32],
    ranges: &'a [(u32, u32)],
    generation: u32,
}

impl Context<'_> {
    fn eval(&self, program: &Program) -> bool {
        match program {
            Program::And(items) => items.iter().all(|p| self.eval(p)),
            Program::Or(items) => items.iter().any(|p| self.eval(p)),
            Program::Not(inner) => !self.eval(inner),
            Program::Text { atoms, title_only } => {
                self.occurrences(atoms, *title_only).next().is_some()
            }
            Program::Near {
                left,
                right,
                distance,
            } => self.occurrences(left, false).any(|(lf, ls, le)| {
                self.occurrences(right, false)
                    .any(|(rf, rs, re)| lf == rf && near((ls, le), (rs, re), *distance as usize))
            }),
            Program::Author(handle) => self.doc.author_matches(handle),
            Program::Lang(lang) => self.doc.lang_matches(lang),
            Program::Network(network) => self.doc.network == Some(*network),
            Program::Site(domain) => self.doc.site_matches(domain),
        }
    }

    /// The hits of one atom (in the title only, if asked).
    fn atom_hits(&self, atom: u32, title_only: bool) -> &[u64] {
        let atom = atom as usize;
        if self.stamps.get(atom) != Some(&self.generation) {
            return &[];
        }
        let Some(&(from, to)) = self.ranges.get(atom) else {
            return &[];
        };
        let all = self.hits.get(from as usize..to as usize).unwrap_or(&[]);
        if title_only {
            // Hits sort by field within an atom: the title's come last.
            &all[all.partition_point(|&h| h & TITLE_BIT == 0)..]
        } else {
            all
        }
    }

    /// Every place where the atoms occur at consecutive positions of one field, as (field
    /// bit, first position, last position).
    fn occurrences<'s>(
        &'s self,
        atoms: &'s [u32],
        title_only: bool,
    ) -> impl Iterator<Item = (u64, usize, usize)> + 's {
        let first = atoms.first().copied().unwrap_or(u32::MAX);
        self.atom_hits(first, title_only)
            .iter()
            .filter_map(move |&hit| {
                let place = hit & 0xFFFF_FFFF;
                let field = place & TITLE_BIT;
                let start = place & !TITLE_BIT;
                let all = atoms.iter().enumerate().skip(1).all(|(i, &atom)| {
                    let key = (u64::from(atom) << 32) | (place + i as u64);
                    start + (i as u64) <= MAX_POSITION as u64
                        && self.atom_hits(atom, false).binary_search(&key).is_ok()
                });
                all.then(|| {
                    let start = start as usize;
                    (field, start, start + atoms.len() - 1)
                })
            })
    }
}
