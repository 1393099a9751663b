//! [`SurveyStore`] on SQLite (migration `0015_surveys.sql`).

use super::codec::{from_millis, to_millis};
use super::SqliteStore;
use crate::surveys::{Answer, NewSurvey, Survey, SurveyId, SurveyResponse, SurveyStore};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::Utc;
use rapport_model::{Timestamp, WorkspaceId};
use rusqlite::{params, OptionalExtension, Row};

const SELECT: &str = "SELECT id, workspace_id, code, title, questions, open, signing_key, \
     created_by, created_at FROM surveys";

type SurveyRow = (
    i64,
    i64,
    String,
    String,
    String,
    bool,
    Vec<u8>,
    Option<i64>,
    i64,
);

fn survey_row(r: &Row<'_>) -> rusqlite::Result<SurveyRow> {
    TryFrom::try_from(r)
}

fn finish(
    (id, workspace, code, title, questions, open, signing_key, created_by, created_at): SurveyRow,
) -> StoreResult<Survey> {
    Ok(Survey {
        id: SurveyId(id),
        workspace_id: WorkspaceId(workspace),
        code,
        title,
        questions: serde_json::from_str(&questions).map_err(|e| StoreError::Corrupt {
            table: "surveys",
            column: "questions",
            message: e.to_string(),
        })?,
        open,
        created_by,
        created_at: from_millis(created_at, "surveys", "created_at")?,
        signing_key,
    })
}

#[async_trait]
impl SurveyStore for SqliteStore {
    async fn create_survey(&self, survey: NewSurvey) -> StoreResult<Survey> {
        let questions =
            serde_json::to_string(&survey.questions).map_err(|e| StoreError::Corrupt {
                table: "surveys",
                column: "questions",
                message: e.to_string(),
            })?;
        self.with_writer(move |w| {
            let row = w
                .conn
                .query_row(
                    "INSERT INTO surveys (workspace_id, code, title, questions, open, \
                     signing_key, created_by, created_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7) \
                     RETURNING id, workspace_id, code, title, questions, open, signing_key, \
                     created_by, created_at",
                    params![
                        survey.workspace_id.0,
                        survey.code,
                        survey.title,
                        questions,
                        survey.signing_key,
                        survey.created_by,
                        to_millis(Utc::now()),
                    ],
                    survey_row,
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation)
                        if e.to_string().contains("UNIQUE") =>
                    {
                        StoreError::Conflict {
                            what: "survey code",
                            value: survey.code.clone(),
                        }
                    }
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        what: "workspace",
                        id: survey.workspace_id.0,
                    },
                    _ => StoreError::sqlite("create a survey")(e),
                })?;
            finish(row)
        })
        .await
    }

    async fn surveys(&self, workspace: WorkspaceId) -> StoreResult<Vec<Survey>> {
        self.with_reader(move |conn| {
            let what = "list surveys";
            let mut stmt = conn
                .prepare_cached(&format!(
                    "{SELECT} WHERE workspace_id = ?1 ORDER BY id DESC"
                ))
                .map_err(StoreError::sqlite(what))?;
            let rows = stmt
                .query_map([workspace.0], survey_row)
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite(what))?;
            rows.into_iter().map(finish).collect()
        })
        .await
    }

    async fn survey(&self, workspace: WorkspaceId, id: SurveyId) -> StoreResult<Option<Survey>> {
        self.with_reader(move |conn| {
            conn.query_row(
                &format!("{SELECT} WHERE id = ?1 AND workspace_id = ?2"),
                [id.0, workspace.0],
                survey_row,
            )
            .optional()
            .map_err(StoreError::sqlite("read a survey"))?
            .map(finish)
            .transpose()
        })
        .await
    }

    async fn survey_by_code(&self, code: &str) -> StoreResult<Option<Survey>> {
        let code = code.to_string();
        self.with_reader(move |conn| {
            conn.query_row(&format!("{SELECT} WHERE code = ?1"), [code], survey_row)
                .optional()
                .map_err(StoreError::sqlite("read a survey by code"))?
                .map(finish)
                .transpose()
        })
        .await
    }

    async fn set_survey_open(
        &self,
        workspace: WorkspaceId,
        id: SurveyId,
        open: bool,
    ) -> StoreResult<()> {
        self.with_writer(move |w| {
            let changed = w
                .conn
                .execute(
                    "UPDATE surveys SET open = ?1 WHERE id = ?2 AND workspace_id = ?3",
                    params![open, id.0, workspace.0],
                )
                .map_err(StoreError::sqlite("open or close a survey"))?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "survey",
                    id: id.0,
                });
            }
            Ok(())
        })
        .await
    }

    async fn has_answered(&self, survey: SurveyId, voter_hash: &[u8]) -> StoreResult<bool> {
        let voter = voter_hash.to_vec();
        self.with_reader(move |conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM survey_responses WHERE survey_id = ?1 \
                 AND voter_hash = ?2)",
                params![survey.0, voter],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("check a visitor's answer"))
        })
        .await
    }

    async fn add_response(
        &self,
        survey: SurveyId,
        voter_hash: &[u8],
        answers: &[Option<Answer>],
        at: Timestamp,
    ) -> StoreResult<i64> {
        let voter = voter_hash.to_vec();
        let answers = serde_json::to_string(answers).map_err(|e| StoreError::Corrupt {
            table: "survey_responses",
            column: "answers",
            message: e.to_string(),
        })?;
        self.with_writer(move |w| {
            w.conn
                .query_row(
                    "INSERT INTO survey_responses (survey_id, voter_hash, answers, submitted_at) \
                     VALUES (?1, ?2, ?3, ?4) RETURNING id",
                    params![survey.0, voter, answers, to_millis(at)],
                    |r| r.get(0),
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation)
                        if e.to_string().contains("UNIQUE") =>
                    {
                        StoreError::Conflict {
                            what: "survey answer",
                            value: "this visitor has already answered".into(),
                        }
                    }
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        what: "survey",
                        id: survey.0,
                    },
                    _ => StoreError::sqlite("store a survey answer")(e),
                })
        })
        .await
    }

    async fn responses(&self, survey: SurveyId) -> StoreResult<Vec<SurveyResponse>> {
        self.with_reader(move |conn| {
            let what = "read survey answers";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, answers, submitted_at FROM survey_responses \
                     WHERE survey_id = ?1 ORDER BY id",
                )
                .map_err(StoreError::sqlite(what))?;
            let rows = stmt
                .query_map([survey.0], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(StoreError::sqlite(what))?;
            rows.into_iter()
                .map(|(id, answers, at)| {
                    Ok(SurveyResponse {
                        id,
                        submitted_at: from_millis(at, "survey_responses", "submitted_at")?,
                        answers: serde_json::from_str(&answers).map_err(|e| {
                            StoreError::Corrupt {
                                table: "survey_responses",
                                column: "answers",
                                message: e.to_string(),
                            }
                        })?,
                    })
                })
                .collect()
        })
        .await
    }
}
