//! Domain types shared by every rapport crate.
//!
//! This crate does no I/O: it defines what a [`Post`], an [`Author`], a [`Network`],
//! a [`Workspace`], a [`Monitor`] and a [`Mention`] are, validates them at construction
//! where that matters, and (de)serialises them with serde. Storage, matching, networks
//! and HTTP live in the crates above it.

mod account;
mod analysis;
mod ids;
mod inbox;
mod monitor;
mod network;
mod post;
mod workspace;

pub use account::{ApiTokenInfo, AuditEvent, Membership, Role, UnknownRole, User};
pub use analysis::{Analysis, Intent, SentimentLabel, SentimentScores};
pub use ids::{ApiTokenId, AuthorId, MonitorId, PostId, UserId, WorkspaceId};
pub use inbox::{InboxItemId, InboxReason, InboxStatus, Triage, UnknownInboxStatus};
pub use monitor::{Mention, Monitor, MonitorKind, NewMonitor};
pub use network::{Network, UnknownNetwork};
pub use post::{Author, Engagement, Post, PostKey};
pub use workspace::Workspace;

/// Timestamps are UTC everywhere inside rapport; time zones are a presentation concern.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
