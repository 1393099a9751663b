//! The team inbox: the mentions that need an answer, their status and who handles them.
//!
//! A post enters a workspace's inbox once, when one of the workspace's monitors first matches
//! it and the pipeline's triage says it needs an answer (see [`Triage`]). Everything about
//! handling it (status, assignee, notes, replies) belongs to the workspace.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The id of an inbox item within the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct InboxItemId(pub i64);

impl fmt::Display for InboxItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an inbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InboxStatus {
    /// Arrived; nobody has looked at it yet.
    New,
    /// Someone is on it.
    Open,
    /// Waiting for the author or for someone outside the team.
    Pending,
    /// Done: answered, or nothing to answer.
    Resolved,
}

impl InboxStatus {
    /// Every status, in workflow order.
    pub const ALL: [InboxStatus; 4] = [
        InboxStatus::New,
        InboxStatus::Open,
        InboxStatus::Pending,
        InboxStatus::Resolved,
    ];

    /// The stable lower-case name used in the store, the API and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::New => "new",
            InboxStatus::Open => "open",
            InboxStatus::Pending => "pending",
            InboxStatus::Resolved => "resolved",
        }
    }

    /// Whether the item still waits for the team (anything but resolved).
    pub fn is_active(self) -> bool {
        self != InboxStatus::Resolved
    }
}

impl fmt::Display for InboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an inbox status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown inbox status {0:?}: expected new, open, pending or resolved")]
pub struct UnknownInboxStatus(pub String);

impl FromStr for InboxStatus {
    type Err = UnknownInboxStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InboxStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownInboxStatus(s.to_string()))
    }
}

/// Why a post needs an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboxReason {
    /// Someone complains.
    Complaint,
    /// Someone asks.
    Question,
    /// Someone is about to buy (or to buy elsewhere).
    PurchaseIntent,
    /// Strongly negative, whatever the intent.
    Negative,
}

impl InboxReason {
    /// Every reason.
    pub const ALL: [InboxReason; 4] = [
        InboxReason::Complaint,
        InboxReason::Question,
        InboxReason::PurchaseIntent,
        InboxReason::Negative,
    ];

    /// The stable snake-case name used in the store and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxReason::Complaint => "complaint",
            InboxReason::Question => "question",
            InboxReason::PurchaseIntent => "purchase_intent",
            InboxReason::Negative => "negative",
        }
    }
}

impl fmt::Display for InboxReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InboxReason {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InboxReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == s)
            .ok_or_else(|| format!("unknown inbox reason {s:?}"))
    }
}

/// The pipeline's verdict that a post needs an answer, and how urgent it is before anyone
/// has waited for it.
///
/// An item's priority at time `t` is `base_priority + WAIT_WEIGHT_PER_HOUR × hours waited`.
/// Because the waiting term grows at the same rate for every item, the order of two items
/// never changes with time, so the store can keep the ranking in an index
/// (see [`Triage::rank_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Triage {
    /// Why it needs an answer.
    pub reason: InboxReason,
    /// Urgency on arrival: negativity, intent and the author's reach.
    pub base_priority: f64,
}

impl Triage {
    /// Priority gained per hour of waiting: four hours of silence weigh as much as the
    /// difference between a question and a complaint.
    pub const WAIT_WEIGHT_PER_HOUR: f64 = 0.25;

    /// A time-independent sort key: higher ranks first. Equal to the priority at the Unix
    /// epoch, so `priority(now) = rank_key + WAIT_WEIGHT_PER_HOUR × hours since the epoch`.
    pub fn rank_key(&self, arrived_at: Timestamp) -> f64 {
        self.base_priority - Self::WAIT_WEIGHT_PER_HOUR * hours_since_epoch(arrived_at)
    }

    /// The priority at `now` of an item whose [`Triage::rank_key`] is `rank_key`.
    pub fn priority_at(rank_key: f64, now: Timestamp) -> f64 {
        rank_key + Self::WAIT_WEIGHT_PER_HOUR * hours_since_epoch(now)
    }
}

fn hours_since_epoch(at: Timestamp) -> f64 {
    at.timestamp_millis() as f64 / 3_600_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn statuses_parse_and_print() {
        for status in InboxStatus::ALL {
            assert_eq!(status.as_str().parse::<InboxStatus>().unwrap(), status);
        }
        assert_eq!(" Open ".parse::<InboxStatus>().unwrap(), InboxStatus::Open);
        let err = "closed".parse::<InboxStatus>().unwrap_err();
        assert!(err.to_string().contains("new, open, pending or resolved"));
        for reason in InboxReason::ALL {
            assert_eq!(reason.as_str().parse::<InboxReason>().unwrap(), reason);
        }
    }

    #[test]
    fn waiting_raises_priority_without_changing_the_order() {
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
        let complaint = Triage {
            reason: InboxReason::Complaint,
            base_priority: 3.0,
        };
        let question = Triage {
            reason: InboxReason::Question,
            base_priority: 2.0,
        };
        // The question arrived four hours before the complaint: by then it weighs the same.
        let question_key = question.rank_key(t0);
        let complaint_key = complaint.rank_key(t0 + Duration::hours(4));
        assert!((question_key - complaint_key).abs() < 1e-9);
        let later = t0 + Duration::hours(30);
        let p = Triage::priority_at(question_key, later);
        assert!((p - (2.0 + 0.25 * 30.0)).abs() < 1e-6, "{p}");
        // An hour older question outranks an equal newer one.
        assert!(question.rank_key(t0) > question.rank_key(t0 + Duration::hours(1)));
    }
}
