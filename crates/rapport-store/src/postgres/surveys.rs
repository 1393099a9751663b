//! [`SurveyStore`] on PostgreSQL (migration `postgres/0022_surveys.sql`): the tables are
//! SQLite's, and a visitor's second answer is refused by the `(survey_id, voter_hash)`
//! unique key, whichever server of a cluster takes it.

use super::write::{is_foreign_key_violation, is_unique_violation};
use super::{execute, get, query, query_one, query_opt, PostgresStore};
use crate::codec::{from_millis, to_millis};
use crate::surveys::{Answer, NewSurvey, Survey, SurveyId, SurveyResponse, SurveyStore};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{Timestamp, WorkspaceId};
use tokio_postgres::Row;

const COLUMNS: &str =
    "id, workspace_id, code, title, questions, open, signing_key, created_by, created_at";

fn survey(row: &Row, context: &'static str) -> StoreResult<Survey> {
    let questions: String = get(row, 4, context)?;
    Ok(Survey {
        id: SurveyId(get(row, 0, context)?),
        workspace_id: WorkspaceId(get(row, 1, context)?),
        code: get(row, 2, context)?,
        title: get(row, 3, context)?,
        questions: serde_json::from_str(&questions).map_err(|e| StoreError::Corrupt {
            table: "surveys",
            column: "questions",
            message: e.to_string(),
        })?,
        open: get(row, 5, context)?,
        signing_key: get(row, 6, context)?,
        created_by: get(row, 7, context)?,
        created_at: from_millis(get(row, 8, context)?, "surveys", "created_at")?,
    })
}

#[async_trait]
impl SurveyStore for PostgresStore {
    async fn create_survey(&self, new: NewSurvey) -> StoreResult<Survey> {
        const CONTEXT: &str = "create a survey";
        let questions = serde_json::to_string(&new.questions).map_err(|e| StoreError::Corrupt {
            table: "surveys",
            column: "questions",
            message: e.to_string(),
        })?;
        let inserted = query_one(
            &self.client().await?,
            &format!(
                "INSERT INTO surveys (workspace_id, code, title, questions, open, signing_key, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, true, $5, $6, $7) \
                 RETURNING {COLUMNS}"
            ),
            &[
                &new.workspace_id.0,
                &new.code,
                &new.title,
                &questions,
                &new.signing_key,
                &new.created_by,
                &to_millis(Utc::now()),
            ],
            CONTEXT,
        )
        .await;
        match inserted {
            Ok(row) => survey(&row, CONTEXT),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                what: "survey code",
                value: new.code,
            }),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "workspace",
                id: new.workspace_id.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn surveys(&self, workspace: WorkspaceId) -> StoreResult<Vec<Survey>> {
        const CONTEXT: &str = "list surveys";
        let rows = query(
            &self.client().await?,
            &format!("SELECT {COLUMNS} FROM surveys WHERE workspace_id = $1 ORDER BY id DESC"),
            &[&workspace.0],
            CONTEXT,
        )
        .await?;
        rows.iter().map(|row| survey(row, CONTEXT)).collect()
    }

    async fn survey(&self, workspace: WorkspaceId, id: SurveyId) -> StoreResult<Option<Survey>> {
        const CONTEXT: &str = "read a survey";
        query_opt(
            &self.client().await?,
            &format!("SELECT {COLUMNS} FROM surveys WHERE id = $1 AND workspace_id = $2"),
            &[&id.0, &workspace.0],
            CONTEXT,
        )
        .await?
        .map(|row| survey(&row, CONTEXT))
        .transpose()
    }

    async fn survey_by_code(&self, code: &str) -> StoreResult<Option<Survey>> {
        const CONTEXT: &str = "read a survey by code";
        query_opt(
            &self.client().await?,
            &format!("SELECT {COLUMNS} FROM surveys WHERE code = $1"),
            &[&code],
            CONTEXT,
        )
        .await?
        .map(|row| survey(&row, CONTEXT))
        .transpose()
    }

    async fn set_survey_open(
        &self,
        workspace: WorkspaceId,
        id: SurveyId,
        open: bool,
    ) -> StoreResult<()> {
        let changed = execute(
            &self.client().await?,
            "UPDATE surveys SET open = $1 WHERE id = $2 AND workspace_id = $3",
            &[&open, &id.0, &workspace.0],
            "open or close a survey",
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "survey",
                id: id.0,
            });
        }
        Ok(())
    }

    async fn has_answered(&self, survey: SurveyId, voter_hash: &[u8]) -> StoreResult<bool> {
        const CONTEXT: &str = "check a visitor's answer";
        let row = query_one(
            &self.client().await?,
            "SELECT EXISTS (SELECT 1 FROM survey_responses WHERE survey_id = $1 \
             AND voter_hash = $2)",
            &[&survey.0, &voter_hash],
            CONTEXT,
        )
        .await?;
        get(&row, 0, CONTEXT)
    }

    async fn add_response(
        &self,
        survey: SurveyId,
        voter_hash: &[u8],
        answers: &[Option<Answer>],
        at: Timestamp,
    ) -> StoreResult<i64> {
        const CONTEXT: &str = "store a survey answer";
        let answers = serde_json::to_string(answers).map_err(|e| StoreError::Corrupt {
            table: "survey_responses",
            column: "answers",
            message: e.to_string(),
        })?;
        let inserted = query_one(
            &self.client().await?,
            "INSERT INTO survey_responses (survey_id, voter_hash, answers, submitted_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&survey.0, &voter_hash, &answers, &to_millis(at)],
            CONTEXT,
        )
        .await;
        match inserted {
            Ok(row) => get(&row, 0, CONTEXT),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict {
                what: "survey answer",
                value: "this visitor has already answered".into(),
            }),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound {
                what: "survey",
                id: survey.0,
            }),
            Err(e) => Err(e),
        }
    }

    async fn responses(&self, survey: SurveyId) -> StoreResult<Vec<SurveyResponse>> {
        const CONTEXT: &str = "read survey answers";
        let rows = query(
            &self.client().await?,
            "SELECT id, answers, submitted_at FROM survey_responses WHERE survey_id = $1 \
             ORDER BY id",
            &[&survey.0],
            CONTEXT,
        )
        .await?;
        rows.iter()
            .map(|row| {
                let answers: String = get(row, 1, CONTEXT)?;
                Ok(SurveyResponse {
                    id: get(row, 0, CONTEXT)?,
                    submitted_at: from_millis(
                        get(row, 2, CONTEXT)?,
                        "survey_responses",
                        "submitted_at",
                    )?,
                    answers: serde_json::from_str(&answers).map_err(|e| StoreError::Corrupt {
                        table: "survey_responses",
                        column: "answers",
                        message: e.to_string(),
                    })?,
                })
            })
            .collect()
    }
}
