//! Monitors (named queries) and the mentions they produce.

use crate::{MonitorId, PostId, Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// What a monitor listens for; analytics compare brands with competitors by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MonitorKind {
    /// The workspace's own brand.
    Brand,
    /// One of the brand's products.
    Product,
    /// A competitor, for share of voice.
    Competitor,
    /// A campaign: a hashtag, a slogan, a launch.
    Campaign,
}

impl MonitorKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [MonitorKind; 4] = [
        MonitorKind::Brand,
        MonitorKind::Product,
        MonitorKind::Competitor,
        MonitorKind::Campaign,
    ];

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorKind::Brand => "brand",
            MonitorKind::Product => "product",
            MonitorKind::Competitor => "competitor",
            MonitorKind::Campaign => "campaign",
        }
    }
}

impl fmt::Display for MonitorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MonitorKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "brand" => Ok(MonitorKind::Brand),
            "product" => Ok(MonitorKind::Product),
            "competitor" => Ok(MonitorKind::Competitor),
            "campaign" => Ok(MonitorKind::Campaign),
            other => Err(format!(
                "unknown monitor kind '{other}' (expected brand, product, competitor or campaign)"
            )),
        }
    }
}

/// A monitor to be created: a named query in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMonitor {
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// Display name (`Acme`, `Rival Roasters`).
    pub name: String,
    /// What it listens for.
    pub kind: MonitorKind,
    /// The query, in rapport's monitor query language.
    pub query: String,
}

/// A stored monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Monitor {
    /// Store id.
    pub id: MonitorId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// Display name.
    pub name: String,
    /// What it listens for.
    pub kind: MonitorKind,
    /// The query, in rapport's monitor query language.
    pub query: String,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A post matched by a monitor: the unit of a workspace's listening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mention {
    /// The monitor that matched.
    pub monitor_id: MonitorId,
    /// The stored post it matched.
    pub post_id: PostId,
    /// The monitor's workspace.
    pub workspace_id: WorkspaceId,
    /// When the match was recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub matched_at: Timestamp,
}
