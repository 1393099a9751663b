//! Store errors.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed an operation.
    #[error("database error during {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL refused or failed an operation.
    #[error("PostgreSQL error during {context}: {source}")]
    Postgres {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    Connect {
        /// The server, as `user@host:port/database` (never the password).
        target: String,
        /// What went wrong.
        message: String,
    },
    /// The schema could not be brought up to date.
    #[error("could not migrate the database schema at {path}: {message}")]
    Migration {
        /// The database file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The database file or its directory could not be opened.
    #[error("could not open the database at {path}: {message}")]
    Open {
        /// The database file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A stored row holds a value this version of rapport cannot read.
    #[error("corrupt stored value in {table}.{column}: {message}")]
    Corrupt {
        /// Table name.
        table: &'static str,
        /// Column name.
        column: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The referenced workspace or monitor does not exist.
    #[error("{what} {id} does not exist")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: i64,
    },
    /// The value must be unique and is already taken (an e-mail, a token).
    #[error("{what} {value:?} already exists")]
    Conflict {
        /// What kind of thing.
        what: &'static str,
        /// The taken value.
        value: String,
    },
    /// A stored secret could not be sealed or opened.
    #[error(transparent)]
    Secret(#[from] crate::SecretError),
    /// A blocking task running the query was cancelled or panicked.
    #[error("store worker failed: {0}")]
    Worker(String),
}

impl StoreError {
    /// Whether retrying the whole transaction may succeed: PostgreSQL aborted it to resolve
    /// a deadlock or a serialization conflict with a concurrent writer.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Postgres { source, .. } => source.code().is_some_and(|code| {
                *code == tokio_postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED
            }),
            _ => false,
        }
    }

    pub(crate) fn postgres(
        context: &'static str,
    ) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
        move |source| StoreError::Postgres { context, source }
    }

    pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |source| StoreError::Sqlite { context, source }
    }
}
