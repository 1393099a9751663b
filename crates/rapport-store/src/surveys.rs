//! Survey pages: a workspace's surveys (1 to 10 questions), their public code, and the
//! answers visitors give at `/s/<code>` (one per visitor).
//!
//! A visitor is known by a random token kept in a signed cookie; only its SHA-256
//! (`voter_hash`) is stored, unique per survey, so a second answer from the same cookie is
//! refused by the database itself ([`StoreError::Conflict`]). Each survey has its own random
//! signing key ([`Survey::signing_key`]) for those cookies, so a restart or another process
//! checks them alike.
//!
//! Both stores implement [`SurveyStore`]: [`crate::SqliteStore`] (migration
//! `0015_surveys.sql`) and [`crate::PostgresStore`] (`postgres/0022_surveys.sql`).

use crate::StoreResult;
use async_trait::async_trait;
use rapport_model::{Timestamp, WorkspaceId};
use serde::{Deserialize, Serialize};

/// A survey's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SurveyId(pub i64);

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of the options.
    SingleChoice,
    /// Any of the options.
    MultipleChoice,
    /// 1 to 5.
    Rating,
    /// Free text.
    FreeText,
}

impl QuestionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::Rating => "rating",
            QuestionKind::FreeText => "free_text",
        }
    }

    /// Whether it has options.
    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// The question as asked.
    pub prompt: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// The options of a choice question (2 to 10), empty otherwise.
    #[serde(default)]
    pub options: Vec<String>,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
}

/// A survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Survey {
    /// Its id.
    pub id: SurveyId,
    /// Whose survey.
    pub workspace_id: WorkspaceId,
    /// The public code: the page is `/s/<code>`.
    pub code: String,
    /// Its title.
    pub title: String,
    /// Its questions, in order.
    pub questions: Vec<Question>,
    /// Whether it still takes answers.
    pub open: bool,
    /// Who created it (a user id), if known.
    pub created_by: Option<i64>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The key that signs its visitors' cookies (never serialized).
    #[serde(skip)]
    pub signing_key: Vec<u8>,
}

/// A survey to create (the caller has checked it and made its code and key).
#[derive(Debug, Clone)]
pub struct NewSurvey {
    /// Whose survey.
    pub workspace_id: WorkspaceId,
    /// The public code (random, URL-safe).
    pub code: String,
    /// Its title.
    pub title: String,
    /// Its questions.
    pub questions: Vec<Question>,
    /// Who creates it.
    pub created_by: Option<i64>,
    /// 32 random bytes.
    pub signing_key: Vec<u8>,
}

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    /// Indexes of the chosen options (one for a single choice).
    Choices {
        /// The indexes, ascending.
        options: Vec<usize>,
    },
    /// A rating, 1 to 5.
    Rating {
        /// The rating.
        value: u8,
    },
    /// Free text, with the VADER compound score of its sentiment.
    Text {
        /// The text as given.
        text: String,
        /// Its sentiment (-1 to 1).
        compound: f64,
    },
}

/// A visitor's answers: one entry per question, `None` where it was left blank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyResponse {
    /// Its id.
    pub id: i64,
    /// When it was given.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    /// The answers, in question order.
    pub answers: Vec<Option<Answer>>,
}

/// Surveys and their answers (SQLite and PostgreSQL).
#[async_trait]
pub trait SurveyStore: Send + Sync + 'static {
    /// Creates a survey. `Conflict` when its code is taken (the caller makes another).
    async fn create_survey(&self, survey: NewSurvey) -> StoreResult<Survey>;

    /// A workspace's surveys, newest first.
    async fn surveys(&self, workspace: WorkspaceId) -> StoreResult<Vec<Survey>>;

    /// One survey of `workspace`.
    async fn survey(&self, workspace: WorkspaceId, id: SurveyId) -> StoreResult<Option<Survey>>;

    /// The survey with the public `code`, whichever workspace it belongs to.
    async fn survey_by_code(&self, code: &str) -> StoreResult<Option<Survey>>;

    /// Opens or closes a survey to answers.
    async fn set_survey_open(
        &self,
        workspace: WorkspaceId,
        id: SurveyId,
        open: bool,
    ) -> StoreResult<()>;

    /// Whether the visitor `voter_hash` has answered `survey`.
    async fn has_answered(&self, survey: SurveyId, voter_hash: &[u8]) -> StoreResult<bool>;

    /// Stores a visitor's answers. `Conflict` when `voter_hash` has already answered.
    async fn add_response(
        &self,
        survey: SurveyId,
        voter_hash: &[u8],
        answers: &[Option<Answer>],
        at: Timestamp,
    ) -> StoreResult<i64>;

    /// A survey's answers, oldest first.
    async fn responses(&self, survey: SurveyId) -> StoreResult<Vec<SurveyResponse>>;
}
