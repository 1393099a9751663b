//! Choosing who writes, about what, and which earlier post to answer or copy.

use super::{Simulator, Subject, Why};
use crate::authors::SimAuthor;
use crate::dice::{Dice, Weighted};
use rapport_model::Network;

impl Simulator {
    pub(super) fn pick_subject(&mut self, products_only: bool) -> Subject {
        let kind = loop {
            let k = self.subjects.sample(&mut self.dice).unwrap_or(0);
            if !products_only || k == 1 || k == 3 || self.products.iter().all(|p| p.total() <= 0.0)
            {
                break k;
            }
        };
        let maker = match kind {
            0 | 1 => 0,
            _ => self.pick_competitor(kind == 3),
        };
        let product = if kind == 1 || kind == 3 {
            self.products[maker].sample(&mut self.dice)
        } else {
            None
        };
        Subject { maker, product }
    }

    pub(super) fn pick_competitor(&mut self, with_products: bool) -> usize {
        for _ in 0..8 {
            if let Some(c) = self.competitors.sample(&mut self.dice) {
                if !with_products || self.products[c + 1].total() > 0.0 {
                    return c + 1;
                }
            }
        }
        (1..self.products.len())
            .find(|&m| self.products[m].total() > 0.0)
            .unwrap_or(0)
    }

    /// A stand-in product for `{kind}`/`{thing}` slots of maker-level posts.
    pub(super) fn any_product(&mut self, maker: usize) -> Option<usize> {
        self.products
            .get(maker)
            .and_then(|w| w.sample(&mut self.dice))
    }

    pub(super) fn rival(&mut self, subject: Subject) -> Option<(usize, usize)> {
        let product = subject.product?;
        let list = self.rivals.get(subject.maker)?.get(product)?;
        self.dice.pick(list).copied()
    }

    /// Someone to write a post: a person of the requested kind, falling back to anyone,
    /// and finally to the brand's X account.
    pub(super) fn person(&mut self, why: Option<Why>) -> usize {
        let group = match why {
            Some(Why::Complaint) if self.dice.chance(0.3) => &self.pool.detractors,
            Some(Why::Praise) if self.dice.chance(0.3) => &self.pool.advocates,
            _ => &self.pool.general,
        };
        group
            .pick(&mut self.dice)
            .or_else(|| self.pool.general.pick(&mut self.dice))
            .or_else(|| self.pool.brand_on(Network::X))
            .unwrap_or(0)
    }

    pub(super) fn author(&self, index: usize) -> &SimAuthor {
        &self.pool.authors[index.min(self.pool.authors.len() - 1)]
    }

    /// A network slot with history to draw on, by the given weights.
    pub(super) fn busy_network(&mut self, weights: &[f64; 5]) -> Option<usize> {
        let available = Weighted::new(weights.iter().enumerate().map(|(i, &w)| {
            if self.history[i].is_empty() {
                0.0
            } else {
                w
            }
        }));
        available.sample(&mut self.dice)
    }

    /// A recent entry, biased to the newest and, of two candidates, to the larger
    /// audience; `roots` prefers conversation starters.
    pub(super) fn pick_recent(&mut self, slot: usize, roots: bool) -> Option<usize> {
        let len = self.history[slot].len();
        if len == 0 {
            return None;
        }
        let draw = |dice: &mut Dice| -> usize {
            let back = (len as f64 * dice.unit().powi(2)) as usize;
            len - 1 - back.min(len - 1)
        };
        let mut a = draw(&mut self.dice);
        let mut b = draw(&mut self.dice);
        if roots {
            for _ in 0..3 {
                if self.history[slot][a].meta.depth == 0 {
                    break;
                }
                a = draw(&mut self.dice);
            }
            if self.history[slot][b].meta.depth > 0 {
                b = a;
            }
        }
        let fa = self.author(self.history[slot][a].meta.author).followers();
        let fb = self.author(self.history[slot][b].meta.author).followers();
        let bigger = if fb > fa { b } else { a };
        let smaller = if fb > fa { a } else { b };
        Some(if self.dice.chance(0.7) {
            bigger
        } else {
            smaller
        })
    }
}
