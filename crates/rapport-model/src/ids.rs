//! Typed ids, so a monitor id can never be passed where a post id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// The store's id of a stored post (not the network's native id; see [`crate::PostKey`]).
    PostId
);
id_type!(
    /// The store's id of an author (one per network and handle).
    AuthorId
);
id_type!(
    /// The id of a workspace: one brand or one agency client.
    WorkspaceId
);
id_type!(
    /// The id of a monitor within the store.
    MonitorId
);
id_type!(
    /// The id of a user account.
    UserId
);
id_type!(
    /// The id of an API token (not its secret, which the store never holds).
    ApiTokenId
);
