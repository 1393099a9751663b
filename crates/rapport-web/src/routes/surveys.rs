//! Survey pages: a workspace makes a survey (a title and 1 to 10 questions: single choice,
//! multiple choice, a 1–5 rating, free text) and shares its public link `/s/<code>`, which
//! anyone can answer without logging in; the team reads the results at
//! `/w/{id}/surveys/{survey}` and through `/api/v1/workspaces/{id}/surveys/...` (JSON
//! summary, CSV or JSON export).
//!
//! One answer per visitor: the first visit sets a cookie holding a random token signed with
//! the survey's own key (HMAC-SHA256); only the token's SHA-256 is stored with the answer,
//! unique per survey, so a second submission with the same cookie is refused (409, a polite
//! page) by the database itself. A visitor who clears the cookie or changes browsers can
//! answer again: the per-address limit ([`SubmitLimiter`], 10 answers per minute) bounds
//! that, it does not prevent it.
//!
//! CSRF: the form carries a second HMAC of the same token (`form` field); a submission
//! needs both the cookie and the matching field, which another site can neither read nor
//! forge (the cookie is `SameSite=Lax` and `HttpOnly`). Free-text answers are kept as
//! written, escaped wherever they are shown (maud), neutralised in CSV cells, and scored
//! with VADER (`rapport_nlp::sentiment`) when stored.

use axum::{
    body::Bytes,
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        Path, Query, State,
    },
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Json,
};
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use maud::{html, Markup, DOCTYPE};
use rapport_model::{Role, SentimentLabel, WorkspaceId};
use rapport_nlp::sentiment::Vader;
use rapport_store::surveys::{
    Answer, NewSurvey, Question, QuestionKind, Survey, SurveyId, SurveyResponse,
};
use rapport_store::{StoreError, SurveyStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::login::ClientIp;
use super::pages::{layout, user_menu};
use super::reports::protect_cell;
use super::{find_workspace, parse_workspace_id};
use crate::{
    auth::{Caller, CookiePolicy},
    error::{ApiError, PageError, WebError},
    AppState,
};

/// At most this many questions.
pub const MAX_QUESTIONS: usize = 10;
/// At most this many options per choice question.
pub const MAX_OPTIONS: usize = 10;
/// The longest free-text answer kept.
pub const MAX_TEXT_ANSWER: usize = 2_000;
/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The longest question.
pub const MAX_PROMPT: usize = 500;
/// The longest option.
pub const MAX_OPTION: usize = 200;
/// Answers accepted per client address per minute.
pub const SUBMISSIONS_PER_MINUTE: usize = 10;

type HmacSha256 = Hmac<Sha256>;

/// What survey pages need: their store and the per-address submission limit.
#[derive(Clone)]
pub struct Surveys {
    /// Surveys and answers.
    pub store: Arc<dyn SurveyStore>,
    limiter: Arc<SubmitLimiter>,
}

impl std::fmt::Debug for Surveys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surveys").finish_non_exhaustive()
    }
}

impl Surveys {
    /// Survey pages over `store`, allowing [`SUBMISSIONS_PER_MINUTE`] answers per address.
    pub fn new(store: Arc<dyn SurveyStore>) -> Self {
        Surveys {
            store,
            limiter: Arc::new(SubmitLimiter::new(
                SUBMISSIONS_PER_MINUTE,
                Duration::from_secs(60),
            )),
        }
    }

    /// The same with another limit (tests).
    pub fn with_limit(mut self, per_window: usize, window: Duration) -> Self {
        self.limiter = Arc::new(SubmitLimiter::new(per_window, window));
        self
    }
}

/// Survey answers per client address in a sliding window, kept in memory (per process,
/// like the login limit).
#[derive(Debug)]
pub struct SubmitLimiter {
    per_window: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl SubmitLimiter {
    /// At most `per_window` answers per address within `window`.
    pub fn new(per_window: usize, window: Duration) -> Self {
        SubmitLimiter {
            per_window,
            window,
            seen: Mutex::default(),
        }
    }

    /// Counts an attempt from `ip` at `now`, or says how long to wait.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.seen.lock() else {
            return Ok(());
        };
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, times| {
                times.retain(|t| now.saturating_duration_since(*t) < window);
                !times.is_empty()
            });
        }
        let times = map.entry(ip).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.per_window {
            let oldest = times.front().copied().unwrap_or(now);
            return Err((oldest + self.window).saturating_duration_since(now));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The survey handles, or why surveys are not available here.
pub(crate) fn surveys(state: &AppState) -> Result<&Surveys, WebError> {
    state.surveys.as_ref().ok_or_else(|| {
        WebError::Unprocessable(
            "survey pages are not available on this server: they need the embedded SQLite \
             store for now"
                .into(),
        )
    })
}

// ---------------------------------------------------------------------------------------
// Creating

/// A survey to create.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSurveyBody {
    /// The title (1 to 200 characters).
    pub title: String,
    /// 1 to 10 questions.
    pub questions: Vec<Question>,
}

/// Checks a survey's title and questions: trimmed, within the limits.
pub(crate) fn check_survey(body: &NewSurveyBody) -> Result<(String, Vec<Question>), WebError> {
    let title = body.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(WebError::bad_request(format!(
            "a survey's title is 1 to {MAX_TITLE} characters"
        )));
    }
    if body.questions.is_empty() || body.questions.len() > MAX_QUESTIONS {
        return Err(WebError::bad_request(format!(
            "a survey has 1 to {MAX_QUESTIONS} questions, not {}",
            body.questions.len()
        )));
    }
    let mut questions = Vec::new();
    for (i, q) in body.questions.iter().enumerate() {
        let n = i + 1;
        let prompt = q.prompt.trim().to_string();
        if prompt.is_empty() || prompt.chars().count() > MAX_PROMPT {
            return Err(WebError::bad_request(format!(
                "question {n}: the question is 1 to {MAX_PROMPT} characters"
            )));
        }
        let options: Vec<String> = q
            .options
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if q.kind.has_options() {
            if !(2..=MAX_OPTIONS).contains(&options.len()) {
                return Err(WebError::bad_request(format!(
                    "question {n}: a choice question has 2 to {MAX_OPTIONS} options, not {}",
                    options.len()
                )));
            }
            if let Some(long) = options.iter().find(|o| o.chars().count() > MAX_OPTION) {
                return Err(WebError::bad_request(format!(
                    "question {n}: the option {long:?} is longer than {MAX_OPTION} characters"
                )));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = options.iter().find(|o| !seen.insert(o.to_lowercase())) {
                return Err(WebError::bad_request(format!(
                    "question {n}: the option {twice:?} is there twice"
                )));
            }
        } else if !options.is_empty() {
            return Err(WebError::bad_request(format!(
                "question {n}: a {} question has no options",
                q.kind.as_str().replace('_', " ")
            )));
        }
        questions.push(Question {
            prompt,
            kind: q.kind,
            options,
            required: q.required,
        });
    }
    Ok((title, questions))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], WebError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| WebError::Internal(format!("no randomness for a survey: {e}")))?;
    Ok(bytes)
}

/// Creates a survey with a fresh code (80 random bits) and signing key.
pub(crate) async fn create_survey(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    body: &NewSurveyBody,
) -> Result<Survey, WebError> {
    let surveys = surveys(state)?;
    let (title, questions) = check_survey(body)?;
    find_workspace(state, workspace).await?;
    for _ in 0..3 {
        let code = hex::encode(random_bytes::<10>()?);
        let created = surveys
            .store
            .create_survey(NewSurvey {
                workspace_id: workspace,
                code,
                title: title.clone(),
                questions: questions.clone(),
                created_by: caller.user_id().map(|u| u.0),
                signing_key: random_bytes::<32>()?.to_vec(),
            })
            .await;
        match created {
            // A code collision (2^-80): draw again.
            Err(StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
            Ok(survey) => {
                state
                    .accounts
                    .record_audit(caller.audit(
                        Some(workspace),
                        "survey.create",
                        Some(format!("survey {}", survey.id.0)),
                        serde_json::json!({ "title": survey.title }),
                    ))
                    .await?;
                return Ok(survey);
            }
        }
    }
    Err(WebError::Internal(
        "no free survey code after 3 draws".into(),
    ))
}

// ---------------------------------------------------------------------------------------
// Visitors: the signed cookie and the form field

const COOKIE: &str = "rapport_survey";

fn sign(key: &[u8], purpose: &str, token: &str) -> String {
    // HMAC accepts keys of any length; an empty signature never verifies.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return String::new();
    };
    mac.update(purpose.as_bytes());
    mac.update(b":");
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn verify(key: &[u8], purpose: &str, token: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    mac.update(purpose.as_bytes());
    mac.update(b":");
    mac.update(token.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// The visitor's token, from a cookie signed with `survey`'s key.
fn voter_token(headers: &HeaderMap, survey: &Survey) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == COOKIE && value.len() <= 200)
        .filter_map(|(_, value)| value.split_once('.'))
        .find(|(token, signature)| {
            token.len() == 32
                && token.chars().all(|c| c.is_ascii_hexdigit())
                && verify(&survey.signing_key, "voter", token, signature)
        })
        .map(|(token, _)| token.to_string())
}

fn voter_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn set_cookie(policy: CookiePolicy, survey: &Survey, token: &str) -> Option<HeaderValue> {
    let secure = match policy {
        CookiePolicy::Https => "; Secure",
        CookiePolicy::PlainLoopback => "",
    };
    let value = format!(
        "{COOKIE}={token}.{}; Path=/s/{}; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}",
        sign(&survey.signing_key, "voter", token),
        survey.code
    );
    HeaderValue::from_str(&value).ok()
}

/// rapport's public address as this request reached it: the `Host` header, with `https`
/// unless the server runs on plain-HTTP loopback. `None` without a usable Host.
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid {
        return None;
    }
    let scheme = match state.cookies {
        CookiePolicy::Https => "https",
        CookiePolicy::PlainLoopback => "http",
    };
    Some(format!("{scheme}://{host}"))
}

fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric())
}

// ---------------------------------------------------------------------------------------
// The public page

fn public_page(title: &str, status: StatusCode, body: Markup) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href=(crate::assets::APP_CSS.url());
            }
            body {
                main.main.survey-page { (body) }
            }
        }
    };
    (status, page).into_response()
}

fn notice_page(status: StatusCode, heading: &str, text: &str) -> Response {
    public_page(
        heading,
        status,
        html! {
            section.panel {
                h1 { (heading) }
                p role="status" { (text) }
            }
        },
    )
}

/// The form, with an error above it when a submission was refused.
fn survey_form(survey: &Survey, form_token: &str, error: Option<&str>) -> Markup {
    html! {
        section.panel {
            h1 #survey-title { (survey.title) }
            @if let Some(error) = error {
                div.form-error role="alert" { p { (error) } }
            }
            form.survey-form method="post" action={ "/s/" (survey.code) } aria-labelledby="survey-title" {
                input type="hidden" name="form" value=(form_token);
                @for (i, q) in survey.questions.iter().enumerate() {
                    @let name = format!("q{i}");
                    @let required = q.required;
                    @match q.kind {
                        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                            @let multiple = q.kind == QuestionKind::MultipleChoice;
                            fieldset.question {
                                legend {
                                    (q.prompt)
                                    @if required { " " span.required aria-hidden="true" { "*" } span.visually-hidden { "(required)" } }
                                    @if multiple { " " span.hint { "(choose any)" } }
                                }
                                @for (j, option) in q.options.iter().enumerate() {
                                    @let id = format!("q{i}-{j}");
                                    div.choice {
                                        @if multiple {
                                            input type="checkbox" id=(id) name=(name) value=(j);
                                        } @else {
                                            input type="radio" id=(id) name=(name) value=(j) required[required];
                                        }
                                        label for=(id) { (option) }
                                    }
                                }
                            }
                        }
                        QuestionKind::Rating => {
                            fieldset.question.rating {
                                legend {
                                    (q.prompt) " " span.hint { "(1 = worst, 5 = best)" }
                                    @if required { " " span.required aria-hidden="true" { "*" } span.visually-hidden { "(required)" } }
                                }
                                @for value in 1..=5 {
                                    @let id = format!("q{i}-{value}");
                                    span.choice {
                                        input type="radio" id=(id) name=(name) value=(value) required[required];
                                        label for=(id) { (value) }
                                    }
                                }
                            }
                        }
                        QuestionKind::FreeText => {
                            div.question {
                                label for=(name) {
                                    (q.prompt)
                                    @if required { " " span.required aria-hidden="true" { "*" } span.visually-hidden { "(required)" } }
                                }
                                textarea id=(name) name=(name) rows="4" maxlength=(MAX_TEXT_ANSWER) required[required] {}
                            }
                        }
                    }
                }
                div.actions { button type="submit" { "Send my answers" } }
            }
        }
    }
}

/// `GET /s/{code}`: the survey's form, or a note when it was answered or is closed.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(code)) = path else {
        return notice_page(
            StatusCode::NOT_FOUND,
            "No survey here",
            "This link is not a survey.",
        );
    };
    let survey = match find_public(&state, &code).await {
        Ok(survey) => survey,
        Err(response) => return response,
    };
    let (token, fresh) = match voter_token(&headers, &survey) {
        Some(token) => (token, false),
        None => match random_bytes::<16>() {
            Ok(bytes) => (hex::encode(bytes), true),
            Err(e) => return PageError(e).into_response(),
        },
    };
    if !fresh {
        match surveys(&state) {
            Ok(s) => match s.store.has_answered(survey.id, &voter_hash(&token)).await {
                Ok(true) => return already_answered(),
                Ok(false) => {}
                Err(e) => return PageError(e.into()).into_response(),
            },
            Err(e) => return PageError(e).into_response(),
        }
    }
    if !survey.open {
        return closed();
    }
    let form_token = sign(&survey.signing_key, "form", &token);
    let mut response = public_page(
        &survey.title,
        StatusCode::OK,
        survey_form(&survey, &form_token, None),
    );
    if fresh {
        if let Some(cookie) = set_cookie(state.cookies, &survey, &token) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn find_public(state: &AppState, code: &str) -> Result<Survey, Response> {
    if !valid_code(code) {
        return Err(notice_page(
            StatusCode::NOT_FOUND,
            "No survey here",
            "This link is not a survey.",
        ));
    }
    let surveys = surveys(state).map_err(|e| PageError(e).into_response())?;
    match surveys.store.survey_by_code(code).await {
        Ok(Some(survey)) => Ok(survey),
        Ok(None) => Err(notice_page(
            StatusCode::NOT_FOUND,
            "No survey here",
            "This survey does not exist (any more).",
        )),
        Err(e) => Err(PageError(e.into()).into_response()),
    }
}

fn already_answered() -> Response {
    notice_page(
        StatusCode::CONFLICT,
        "Thank you!",
        "You have already answered this survey; each visitor answers once.",
    )
}

fn closed() -> Response {
    notice_page(
        StatusCode::GONE,
        "This survey is closed",
        "It no longer takes answers. Thank you for your interest.",
    )
}

/// Reads the submitted answers against the questions: one per question, `None` when blank.
fn read_answers(
    survey: &Survey,
    fields: &[(String, String)],
    vader: &Vader,
) -> Result<Vec<Option<Answer>>, String> {
    let mut answers = Vec::new();
    for (i, q) in survey.questions.iter().enumerate() {
        let name = format!("q{i}");
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        let n = i + 1;
        let answer = match q.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let mut chosen = Vec::new();
                for value in values.iter().filter(|v| !v.trim().is_empty()) {
                    let index: usize =
                        value
                            .trim()
                            .parse()
                            .ok()
                            .filter(|i| *i < q.options.len())
                            .ok_or_else(|| format!("question {n}: that choice does not exist"))?;
                    if !chosen.contains(&index) {
                        chosen.push(index);
                    }
                }
                if q.kind == QuestionKind::SingleChoice && chosen.len() > 1 {
                    return Err(format!("question {n}: choose one option"));
                }
                chosen.sort_unstable();
                (!chosen.is_empty()).then_some(Answer::Choices { options: chosen })
            }
            QuestionKind::Rating => match values.iter().find(|v| !v.trim().is_empty()) {
                None => None,
                Some(v) => {
                    let value: u8 = v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|r| (1..=5).contains(r))
                        .ok_or_else(|| format!("question {n}: a rating is 1 to 5"))?;
                    Some(Answer::Rating { value })
                }
            },
            QuestionKind::FreeText => {
                let text = values.iter().map(|v| v.trim()).find(|v| !v.is_empty());
                match text {
                    None => None,
                    Some(text) if text.chars().count() > MAX_TEXT_ANSWER => {
                        return Err(format!(
                            "question {n}: an answer is at most {MAX_TEXT_ANSWER} characters"
                        ))
                    }
                    Some(text) => Some(Answer::Text {
                        text: text.to_string(),
                        compound: vader.polarity_scores(text).compound,
                    }),
                }
            }
        };
        if q.required && answer.is_none() {
            return Err(format!("question {n} needs an answer"));
        }
        answers.push(answer);
    }
    if answers.iter().all(Option::is_none) {
        return Err("answer at least one question".into());
    }
    Ok(answers)
}

/// `POST /s/{code}`: stores a visitor's answers once.
pub(crate) async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let Ok(Path(code)) = path else {
        return notice_page(
            StatusCode::NOT_FOUND,
            "No survey here",
            "This link is not a survey.",
        );
    };
    let handles = match surveys(&state) {
        Ok(handles) => handles.clone(),
        Err(e) => return PageError(e).into_response(),
    };
    let survey = match find_public(&state, &code).await {
        Ok(survey) => survey,
        Err(response) => return response,
    };
    if !survey.open {
        return closed();
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let presented = fields
        .iter()
        .find(|(k, _)| k == "form")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let Some(token) = voter_token(&headers, &survey)
        .filter(|token| verify(&survey.signing_key, "form", token, presented))
    else {
        return notice_page(
            StatusCode::FORBIDDEN,
            "Please open the survey again",
            "Your answers could not be matched to this browser's visit (cookies may be \
             blocked, or the form came from another site). Open the survey's link again and \
             answer there.",
        );
    };
    // Only submissions that come from a visit count towards the address's limit.
    if let Err(wait) = handles.limiter.take(ip, Instant::now()) {
        let mut response = notice_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many answers",
            &format!(
                "Too many answers came from your network just now; please try again in {} \
                 seconds.",
                wait.as_secs().max(1)
            ),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let answers = match read_answers(&survey, &fields, Vader::shared()) {
        Ok(answers) => answers,
        Err(message) => {
            return public_page(
                &survey.title,
                StatusCode::UNPROCESSABLE_ENTITY,
                survey_form(&survey, presented, Some(&message)),
            )
        }
    };
    match handles
        .store
        .add_response(survey.id, &voter_hash(&token), &answers, Utc::now())
        .await
    {
        Ok(_) => notice_page(StatusCode::OK, "Thank you!", "Your answers were recorded."),
        Err(StoreError::Conflict { .. }) => already_answered(),
        Err(e) => PageError(e.into()).into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// Results

/// One option's count.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionCount {
    /// The option.
    pub option: String,
    /// How many chose it.
    pub count: usize,
}

/// A free-text answer with its sentiment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TextAnswer {
    /// The answer as given (escape it when showing it).
    pub text: String,
    /// VADER's compound score.
    pub compound: f64,
    /// `positive`, `neutral` or `negative`.
    pub sentiment: String,
}

/// One question's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionSummary {
    /// The question.
    pub prompt: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// How many answered it.
    pub answered: usize,
    /// Counts per option (choice questions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionCount>,
    /// The mean rating (rating questions with answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// How many gave 1, 2, 3, 4, 5 (rating questions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub distribution: Vec<usize>,
    /// The answers (free-text questions), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextAnswer>,
    /// Positive, neutral and negative answers (free-text questions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentCounts>,
}

/// Free-text answers by sentiment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SentimentCounts {
    /// Compound ≥ 0.05.
    pub positive: usize,
    /// Between.
    pub neutral: usize,
    /// Compound ≤ -0.05.
    pub negative: usize,
    /// The mean compound score.
    pub mean_compound: f64,
}

/// A survey's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    /// The survey.
    pub survey: Survey,
    /// Its public path (`/s/<code>`).
    pub link: String,
    /// How many visitors answered.
    pub responses: usize,
    /// Per question, in order.
    pub questions: Vec<QuestionSummary>,
}

/// Sums up `responses` to `survey`.
pub fn summarise(survey: &Survey, responses: &[SurveyResponse]) -> SurveySummary {
    let questions = survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let given: Vec<&Answer> = responses
                .iter()
                .filter_map(|r| r.answers.get(i).and_then(Option::as_ref))
                .collect();
            let mut summary = QuestionSummary {
                prompt: q.prompt.clone(),
                kind: q.kind,
                answered: given.len(),
                options: Vec::new(),
                mean: None,
                distribution: Vec::new(),
                texts: Vec::new(),
                sentiment: None,
            };
            match q.kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                    let mut counts = vec![0usize; q.options.len()];
                    for answer in &given {
                        if let Answer::Choices { options } = answer {
                            for &o in options {
                                if let Some(c) = counts.get_mut(o) {
                                    *c += 1;
                                }
                            }
                        }
                    }
                    summary.options = q
                        .options
                        .iter()
                        .zip(counts)
                        .map(|(option, count)| OptionCount {
                            option: option.clone(),
                            count,
                        })
                        .collect();
                }
                QuestionKind::Rating => {
                    let mut distribution = vec![0usize; 5];
                    let mut sum = 0u64;
                    let mut n = 0u64;
                    for answer in &given {
                        if let Answer::Rating { value } = answer {
                            if (1..=5).contains(value) {
                                distribution[usize::from(*value) - 1] += 1;
                                sum += u64::from(*value);
                                n += 1;
                            }
                        }
                    }
                    summary.mean = (n > 0).then(|| sum as f64 / n as f64);
                    summary.distribution = distribution;
                }
                QuestionKind::FreeText => {
                    let mut counts = SentimentCounts {
                        positive: 0,
                        neutral: 0,
                        negative: 0,
                        mean_compound: 0.0,
                    };
                    for answer in &given {
                        if let Answer::Text { text, compound } = answer {
                            let label = SentimentLabel::from_compound(*compound);
                            match label {
                                SentimentLabel::Positive => counts.positive += 1,
                                SentimentLabel::Negative => counts.negative += 1,
                                _ => counts.neutral += 1,
                            }
                            counts.mean_compound += compound;
                            summary.texts.push(TextAnswer {
                                text: text.clone(),
                                compound: *compound,
                                sentiment: label.as_str().to_string(),
                            });
                        }
                    }
                    if !summary.texts.is_empty() {
                        counts.mean_compound /= summary.texts.len() as f64;
                        summary.sentiment = Some(counts);
                    }
                }
            }
            summary
        })
        .collect();
    SurveySummary {
        link: format!("/s/{}", survey.code),
        survey: survey.clone(),
        responses: responses.len(),
        questions,
    }
}

fn survey_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkspaceId, SurveyId), WebError> {
    let Path((workspace, survey)) =
        path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let survey = survey
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad_request("survey id must be a positive integer"))?;
    Ok((parse_workspace_id(&workspace)?, SurveyId(survey)))
}

async fn find_survey(
    state: &AppState,
    workspace: WorkspaceId,
    id: SurveyId,
) -> Result<Survey, WebError> {
    find_workspace(state, workspace).await?;
    surveys(state)?
        .store
        .survey(workspace, id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("no survey {} in this workspace", id.0)))
}

async fn summary_of(
    state: &AppState,
    workspace: WorkspaceId,
    id: SurveyId,
) -> Result<SurveySummary, WebError> {
    let survey = find_survey(state, workspace, id).await?;
    let responses = surveys(state)?.store.responses(survey.id).await?;
    Ok(summarise(&survey, &responses))
}

// ---------------------------------------------------------------------------------------
// The API

/// `GET /api/v1/workspaces/{id}/surveys`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/surveys",
    tag = "surveys",
    summary = "The workspace's surveys, newest first (viewer)",
    params(("id" = i64, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The surveys", body = [Survey]),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Surveys are not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn list_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<Survey>>, ApiError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let workspace = parse_workspace_id(&raw)?;
    find_workspace(&state, workspace).await?;
    Ok(Json(surveys(&state)?.store.surveys(workspace).await?))
}

/// `POST /api/v1/workspaces/{id}/surveys`.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{id}/surveys",
    tag = "surveys",
    summary = "Create a survey with a public link /s/<code> (manager)",
    params(("id" = i64, Path, description = "Workspace id")),
    request_body = NewSurveyBody,
    responses(
        (status = 201, description = "Created", body = Survey),
        (status = 400, description = "A malformed body or a question out of bounds", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace", body = crate::error::ErrorBody),
        (status = 422, description = "Surveys are not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn create_api(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<NewSurveyBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Survey>), ApiError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let workspace = parse_workspace_id(&raw)?;
    let Json(body) = body.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let survey = create_survey(&state, &caller, workspace, &body).await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

/// `GET /api/v1/workspaces/{id}/surveys/{survey}`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/surveys/{survey}",
    tag = "surveys",
    summary = "A survey's results: counts per option, rating mean and distribution, free-text answers with their sentiment (viewer)",
    params(("id" = i64, Path, description = "Workspace id"), ("survey" = i64, Path, description = "Survey id")),
    responses(
        (status = 200, description = "The summary", body = SurveySummary),
        (status = 400, description = "A malformed id", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or survey", body = crate::error::ErrorBody),
        (status = 422, description = "Surveys are not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn results_api(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<SurveySummary>, ApiError> {
    let (workspace, id) = survey_path(path)?;
    Ok(Json(summary_of(&state, workspace, id).await?))
}

/// Query of the export.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportQuery {
    /// `csv` (default) or `json`.
    format: Option<String>,
}

/// `GET /api/v1/workspaces/{id}/surveys/{survey}/export`.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{id}/surveys/{survey}/export",
    tag = "surveys",
    summary = "Every answer, one row per visitor, as CSV (formula cells neutralised) or JSON (viewer)",
    params(("id" = i64, Path, description = "Workspace id"), ("survey" = i64, Path, description = "Survey id"), ("format" = Option<String>, Query, description = "csv (default) or json")),
    responses(
        (status = 200, description = "text/csv (the default), or JSON with format=json: an array of {id, submitted_at, answers}", content((String = "text/csv"), ([SurveyResponse] = "application/json"))),
        (status = 400, description = "A malformed id or format", body = crate::error::ErrorBody),
        (status = 401, description = "No session and no API token", body = crate::error::ErrorBody),
        (status = 403, description = "The caller's role or workspace does not allow it", body = crate::error::ErrorBody),
        (status = 404, description = "No such workspace or survey", body = crate::error::ErrorBody),
        (status = 422, description = "Surveys are not available with this store", body = crate::error::ErrorBody),
    ),
    security(("token" = []), ("session" = []))
)]
pub(crate) async fn export_api(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (workspace, id) = survey_path(path)?;
    let Query(query) = query.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let survey = find_survey(&state, workspace, id).await?;
    let responses = surveys(&state)?.store.responses(survey.id).await?;
    match query.format.as_deref().unwrap_or("csv") {
        "json" => Ok(Json(responses).into_response()),
        "csv" => {
            let csv = to_csv(&survey, &responses)?;
            let disposition = format!("attachment; filename=\"survey-{}.csv\"", survey.id.0);
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv,
            )
                .into_response())
        }
        other => Err(WebError::bad_request(format!("format is csv or json, not {other:?}")).into()),
    }
}

/// One row per answer: id, time, then per question its answer (choices by label, joined
/// with `; `), free-text questions with a sentiment column after them.
pub fn to_csv(survey: &Survey, responses: &[SurveyResponse]) -> Result<String, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| WebError::Internal(format!("writing the CSV: {e}"));
    let mut head = vec!["response_id".to_string(), "submitted_at".to_string()];
    for q in &survey.questions {
        head.push(protect_cell(&q.prompt).into_owned());
        if q.kind == QuestionKind::FreeText {
            head.push(protect_cell(&format!("{} (sentiment)", q.prompt)).into_owned());
        }
    }
    writer.write_record(&head).map_err(fail)?;
    for r in responses {
        let mut row = vec![r.id.to_string(), r.submitted_at.to_rfc3339()];
        for (i, q) in survey.questions.iter().enumerate() {
            let answer = r.answers.get(i).and_then(Option::as_ref);
            match (q.kind, answer) {
                (_, Some(Answer::Choices { options })) => row.push(
                    protect_cell(
                        &options
                            .iter()
                            .filter_map(|o| q.options.get(*o).map(String::as_str))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                    .into_owned(),
                ),
                (_, Some(Answer::Rating { value })) => row.push(value.to_string()),
                (QuestionKind::FreeText, Some(Answer::Text { text, compound })) => {
                    row.push(protect_cell(text).into_owned());
                    row.push(format!("{compound:.4}"));
                }
                (QuestionKind::FreeText, _) => {
                    row.push(String::new());
                    row.push(String::new());
                }
                _ => row.push(String::new()),
            }
        }
        writer.write_record(&row).map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| WebError::Internal(format!("writing the CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| WebError::Internal(e.to_string()))
}

// ---------------------------------------------------------------------------------------
// The team's pages

fn is_manager(caller: &Caller, workspace: WorkspaceId) -> bool {
    caller
        .role_in(workspace)
        .is_some_and(|r| r.allows(Role::Manager))
}

/// `GET /w/{id}/surveys`: the list, and the form to make one (managers).
pub(crate) async fn list_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Markup, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    Ok(render_list(&state, &caller, id, None).await?)
}

async fn render_list(
    state: &AppState,
    caller: &Caller,
    id: WorkspaceId,
    error: Option<String>,
) -> Result<Markup, WebError> {
    let workspace = find_workspace(state, id).await?;
    let list = surveys(state)?.store.surveys(id).await?;
    let csrf = caller.csrf().unwrap_or_default();
    let body = html! {
        main.main {
            section.panel {
                h1 { "Surveys · " (workspace.name) }
                @if let Some(error) = &error {
                    div.form-error #survey-error role="alert" { p { (error) } }
                }
                @if list.is_empty() {
                    p.empty { "No survey yet." }
                } @else {
                    table.surveys {
                        thead { tr { th { "Title" } th { "Public link" } th { "Questions" } th { "State" } } }
                        tbody {
                            @for s in &list {
                                tr {
                                    td { a href={ "/w/" (id) "/surveys/" (s.id.0) } { (s.title) } }
                                    td { a href={ "/s/" (s.code) } { "/s/" (s.code) } }
                                    td { (s.questions.len()) }
                                    td { @if s.open { "open" } @else { "closed" } }
                                }
                            }
                        }
                    }
                }
            }
            @if is_manager(caller, id) {
                section.panel {
                    h2 { "New survey" }
                    form.survey-new #survey-form method="post" action={ "/w/" (id) "/surveys" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="survey-title" { "Title" }
                        input #survey-title type="text" name="title" required maxlength=(MAX_TITLE);
                        p.hint { "Up to 10 questions; leave a question empty to skip it. Options: one per line." }
                        @for i in 0..MAX_QUESTIONS {
                            fieldset.question {
                                legend { "Question " (i + 1) }
                                label for={ "q" (i) "-prompt" } { "Question" }
                                input id={ "q" (i) "-prompt" } type="text" name={ "q" (i) "_prompt" } maxlength=(MAX_PROMPT) required[i == 0];
                                label for={ "q" (i) "-kind" } { "Kind" }
                                select id={ "q" (i) "-kind" } name={ "q" (i) "_kind" } {
                                    option value="single_choice" { "single choice" }
                                    option value="multiple_choice" { "multiple choice" }
                                    option value="rating" { "rating 1–5" }
                                    option value="free_text" { "free text" }
                                }
                                label for={ "q" (i) "-options" } { "Options (choice questions)" }
                                textarea id={ "q" (i) "-options" } name={ "q" (i) "_options" } rows="3" {}
                                label { input type="checkbox" name={ "q" (i) "_required" } value="1"; " required" }
                            }
                        }
                        div.actions { button type="submit" { "Create survey" } }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("Surveys · {}", workspace.name),
        state.notice.as_deref(),
        user_menu(caller, Some(&workspace)),
        body,
    ))
}

/// `POST /w/{id}/surveys`: creates a survey from the form.
pub(crate) async fn create_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, PageError> {
    let Path(raw) = path.map_err(|rejection| WebError::bad_request(rejection.body_text()))?;
    let id = parse_workspace_id(&raw)?;
    let fields: HashMap<String, String> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: String| fields.get(&name).map(String::as_str).unwrap_or_default();
    let mut questions = Vec::new();
    let mut bad_kind = None;
    for i in 0..MAX_QUESTIONS {
        let prompt = field(format!("q{i}_prompt")).trim().to_string();
        if prompt.is_empty() {
            continue;
        }
        let kind = match field(format!("q{i}_kind")) {
            "single_choice" => QuestionKind::SingleChoice,
            "multiple_choice" => QuestionKind::MultipleChoice,
            "rating" => QuestionKind::Rating,
            "free_text" => QuestionKind::FreeText,
            other => {
                bad_kind = Some(format!("question {}: unknown kind {other:?}", i + 1));
                QuestionKind::FreeText
            }
        };
        let options = if kind.has_options() {
            field(format!("q{i}_options"))
                .lines()
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        questions.push(Question {
            prompt,
            kind,
            options,
            required: !field(format!("q{i}_required")).is_empty(),
        });
    }
    let body = NewSurveyBody {
        title: field("title".into()).to_string(),
        questions,
    };
    let created = match bad_kind {
        Some(message) => Err(WebError::bad_request(message)),
        None => create_survey(&state, &caller, id, &body).await,
    };
    match created {
        Ok(survey) => Ok(Redirect::to(&format!("/w/{id}/surveys/{}", survey.id.0)).into_response()),
        Err(WebError::BadRequest(message)) => {
            let page = render_list(&state, &caller, id, Some(message)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

fn percent(count: usize, total: usize) -> String {
    if total == 0 {
        "0%".into()
    } else {
        format!("{:.0}%", count as f64 * 100.0 / total as f64)
    }
}

/// `GET /w/{id}/surveys/{survey}`: the results.
pub(crate) async fn results_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Markup, PageError> {
    let (id, survey_id) = survey_path(path)?;
    let workspace = find_workspace(&state, id).await?;
    let summary = summary_of(&state, id, survey_id).await?;
    let survey = &summary.survey;
    let csrf = caller.csrf().unwrap_or_default();
    let api = format!("/api/v1/workspaces/{id}/surveys/{}", survey.id.0);
    let body = html! {
        main.main {
            section.panel #survey-results data-responses=(summary.responses) {
                div.panel-head {
                    h1 { (survey.title) }
                    a href={ "/w/" (id) "/surveys" } { "All surveys" }
                }
                p {
                    "Public link: " a href=(summary.link) { (summary.link) }
                    " · " (summary.responses) " answers · "
                    @if survey.open { "open" } @else { "closed" }
                }
                p {
                    a href={ (api) "/export?format=csv" } { "Export CSV" } " · "
                    a href={ (api) "/export?format=json" } { "Export JSON" } " · "
                    a href=(api) { "Summary JSON" }
                }
                @if is_manager(&caller, id) {
                    form method="post" action={ "/w/" (id) "/surveys/" (survey.id.0) } {
                        input type="hidden" name="csrf" value=(csrf);
                        @if survey.open {
                            button.secondary type="submit" name="action" value="close" { "Close the survey" }
                        } @else {
                            button.secondary type="submit" name="action" value="open" { "Reopen the survey" }
                        }
                    }
                }
            }
            @for (i, q) in summary.questions.iter().enumerate() {
                section.panel.question-results {
                    h2 { (i + 1) ". " (q.prompt) }
                    p.hint { (q.answered) " answered" }
                    @if !q.options.is_empty() {
                        table {
                            thead { tr { th { "Option" } th { "Count" } th { "Share" } } }
                            tbody {
                                @for o in &q.options {
                                    tr { td { (o.option) } td { (o.count) } td { (percent(o.count, q.answered)) } }
                                }
                            }
                        }
                    }
                    @if !q.distribution.is_empty() {
                        p { "Mean: " @if let Some(mean) = q.mean { (format!("{mean:.2}")) } @else { "–" } " / 5" }
                        table {
                            thead { tr { th { "Rating" } th { "Count" } th { "Share" } } }
                            tbody {
                                @for (r, count) in q.distribution.iter().enumerate() {
                                    tr { td { (r + 1) } td { (count) } td { (percent(*count, q.answered)) } }
                                }
                            }
                        }
                    }
                    @if let Some(s) = &q.sentiment {
                        p.sentiment {
                            (s.positive) " positive · " (s.neutral) " neutral · " (s.negative) " negative · mean "
                            (format!("{:+.2}", s.mean_compound))
                        }
                    }
                    @if !q.texts.is_empty() {
                        ul.free-text {
                            @for t in &q.texts {
                                li { span class={ "badge sentiment-" (t.sentiment) } { (t.sentiment) } " " (t.text) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &format!("{} · {}", survey.title, workspace.name),
        state.notice.as_deref(),
        user_menu(&caller, Some(&workspace)),
        body,
    ))
}

/// The results page's form.
#[derive(Debug, Deserialize)]
pub(crate) struct SurveyAction {
    #[serde(default)]
    action: String,
}

/// `POST /w/{id}/surveys/{survey}`: closes or reopens a survey.
pub(crate) async fn action_page(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    axum::Form(form): axum::Form<SurveyAction>,
) -> Result<Response, PageError> {
    let (id, survey_id) = survey_path(path)?;
    let survey = find_survey(&state, id, survey_id).await?;
    let open = match form.action.as_str() {
        "close" => false,
        "open" => true,
        other => {
            return Err(
                WebError::bad_request(format!("action is close or open, not {other:?}")).into(),
            )
        }
    };
    surveys(&state)?
        .store
        .set_survey_open(id, survey.id, open)
        .await?;
    state
        .accounts
        .record_audit(caller.audit(
            Some(id),
            if open { "survey.open" } else { "survey.close" },
            Some(format!("survey {}", survey.id.0)),
            serde_json::json!({}),
        ))
        .await?;
    Ok(Redirect::to(&format!("/w/{id}/surveys/{}", survey.id.0)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        Survey {
            id: SurveyId(1),
            workspace_id: WorkspaceId(1),
            code: "abc".into(),
            title: "T".into(),
            questions: vec![
                Question {
                    prompt: "Colour?".into(),
                    kind: QuestionKind::SingleChoice,
                    options: vec!["Sage".into(), "Rust".into()],
                    required: true,
                },
                Question {
                    prompt: "Extras?".into(),
                    kind: QuestionKind::MultipleChoice,
                    options: vec!["Lid".into(), "Filter".into(), "Cup".into()],
                    required: false,
                },
                Question {
                    prompt: "Rate".into(),
                    kind: QuestionKind::Rating,
                    options: vec![],
                    required: false,
                },
                Question {
                    prompt: "=Why?".into(),
                    kind: QuestionKind::FreeText,
                    options: vec![],
                    required: false,
                },
            ],
            open: true,
            created_by: None,
            created_at: Utc::now(),
            signing_key: vec![7; 32],
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn answers_are_read_against_the_questions() {
        let s = survey();
        let vader = Vader::shared();
        let answers = read_answers(
            &s,
            &fields(&[
                ("q0", "1"),
                ("q1", "2"),
                ("q1", "0"),
                ("q2", "4"),
                ("q3", "I love it, great kettle!"),
            ]),
            vader,
        )
        .unwrap();
        assert_eq!(answers[0], Some(Answer::Choices { options: vec![1] }));
        assert_eq!(
            answers[1],
            Some(Answer::Choices {
                options: vec![0, 2]
            })
        );
        assert_eq!(answers[2], Some(Answer::Rating { value: 4 }));
        assert!(matches!(&answers[3], Some(Answer::Text { compound, .. }) if *compound > 0.5));
        for (bad, why) in [
            (vec![("q1", "0")], "question 1 needs an answer"),
            (vec![("q0", "2")], "question 1: that choice does not exist"),
            (
                vec![("q0", "0"), ("q0", "1")],
                "question 1: choose one option",
            ),
            (
                vec![("q0", "0"), ("q2", "6")],
                "question 3: a rating is 1 to 5",
            ),
            (vec![("q0", "x")], "question 1: that choice does not exist"),
        ] {
            assert_eq!(read_answers(&s, &fields(&bad), vader).unwrap_err(), why);
        }
    }

    #[test]
    fn summaries_count_options_ratings_and_sentiment() {
        let s = survey();
        let r = |answers| SurveyResponse {
            id: 1,
            submitted_at: Utc::now(),
            answers,
        };
        let responses = vec![
            r(vec![
                Some(Answer::Choices { options: vec![0] }),
                Some(Answer::Choices {
                    options: vec![0, 1],
                }),
                Some(Answer::Rating { value: 5 }),
                Some(Answer::Text {
                    text: "great".into(),
                    compound: 0.6,
                }),
            ]),
            r(vec![
                Some(Answer::Choices { options: vec![1] }),
                None,
                Some(Answer::Rating { value: 2 }),
                Some(Answer::Text {
                    text: "awful".into(),
                    compound: -0.5,
                }),
            ]),
        ];
        let summary = summarise(&s, &responses);
        assert_eq!(summary.responses, 2);
        let counts: Vec<usize> = summary.questions[0]
            .options
            .iter()
            .map(|o| o.count)
            .collect();
        assert_eq!(counts, vec![1, 1]);
        assert_eq!(summary.questions[1].answered, 1);
        assert_eq!(summary.questions[2].mean, Some(3.5));
        assert_eq!(summary.questions[2].distribution, vec![0, 1, 0, 0, 1]);
        let sentiment = summary.questions[3].sentiment.as_ref().unwrap();
        assert_eq!((sentiment.positive, sentiment.negative), (1, 1));
        let csv = to_csv(&s, &responses).unwrap();
        assert!(
            csv.starts_with(
                "response_id,submitted_at,Colour?,Extras?,Rate,'=Why?,'=Why? (sentiment)"
            ),
            "{csv}"
        );
        assert!(csv.contains(",Sage,Lid; Filter,5,great,0.6000"), "{csv}");
    }

    #[test]
    fn cookies_are_signed_per_survey() {
        let s = survey();
        let token = "0123456789abcdef0123456789abcdef";
        let cookie = set_cookie(CookiePolicy::Https, &s, token).unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(
            cookie.contains("Path=/s/abc")
                && cookie.contains("Secure")
                && cookie.contains("HttpOnly")
        );
        let value = cookie.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
        assert_eq!(voter_token(&headers, &s).as_deref(), Some(token));
        let mut other = survey();
        other.signing_key = vec![8; 32];
        assert_eq!(voter_token(&headers, &other), None);
        let forged = format!("{COOKIE}={token}.{}", "00".repeat(32));
        headers.insert(header::COOKIE, HeaderValue::from_str(&forged).unwrap());
        assert_eq!(voter_token(&headers, &s), None);
    }

    #[test]
    fn the_limiter_counts_per_address() {
        let limiter = SubmitLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let now = Instant::now();
        assert!(limiter.take(a, now).is_ok());
        assert!(limiter.take(a, now).is_ok());
        assert!(limiter.take(a, now).is_err());
        assert!(limiter.take(b, now).is_ok());
        assert!(limiter.take(a, now + Duration::from_secs(61)).is_ok());
    }
}
