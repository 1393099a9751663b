//! The store's conformance suite: every test body runs against SQLite (a file in a
//! temporary directory) and PostgreSQL (a fresh schema in the database named by
//! `RAPPORT_TEST_POSTGRES`, dropped afterwards), as `<test>::sqlite` and `<test>::postgres`.
//!
//! When PostgreSQL cannot be reached its half prints `SKIPPED: PostgreSQL not reachable at
//! ...` and passes, unless `RAPPORT_REQUIRE_POSTGRES=1` (CI sets it), which makes it fail.

/// Instantiates each named `async fn name(backend: Backend)` of the current module once per
/// backend: `name::sqlite` and `name::postgres`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::backend::Backend::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(backend) = crate::backend::Backend::postgres().await {
                        super::$name(backend).await;
                    }
                }
            }
        )*
    };
}

mod accounts;
mod alerts;
mod authors;
mod backend;
mod concurrency;
mod engagement;
mod inbox;
mod insights;
mod media;
mod posts;
mod publishing;
mod reports;
mod rollups;
mod sources;
mod surveys;
