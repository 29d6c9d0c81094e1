//! In-process daemon for API tests: the real ServiceContainer on a temp
//! data dir with `api.port = 0`, a reqwest client, and a record of every
//! exchange so each test can check its responses against the OpenAPI
//! document (schemathesis-style: status documented, body matches schema).

use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use srec::app::ServiceContainer;
use srec::config::Paths;

/// One request/response pair, keyed by the documented path template.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: Method,
    pub template: String,
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Value,
}

pub struct Api {
    pub dir: tempfile::TempDir,
    pub container: Option<ServiceContainer>,
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
    pub log: Mutex<Vec<Exchange>>,
}

/// A response as tests see it.
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Api {
    /// Starts the services with `extra` appended to a config that sets
    /// `[api] port = 0` (pass further `[api]` keys in `api_keys`).
    pub async fn start(api_keys: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::in_dir(dir.path());
        std::fs::write(
            &paths.config_file,
            format!("[api]\nport = 0\n{api_keys}\n{extra}"),
        )
        .unwrap();
        let container = ServiceContainer::build(paths.clone(), srec::download::engines().unwrap())
            .await
            .unwrap();
        container.start().unwrap();
        let info = srec::app::lock::probe(&paths.lock_file()).expect("daemon lock held");
        let addr = info.api.expect("API address advertised in the lock file");
        let token = container.config.current().api.token.clone();
        Self {
            dir,
            container: Some(container),
            base: format!("http://{addr}"),
            // No connection reuse: after a 413 the server closes the
            // connection and a pooled one could fail the next request.
            http: reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            token,
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn c(&self) -> &ServiceContainer {
        self.container.as_ref().unwrap()
    }

    /// Sends a request with the configured token; `template` is the
    /// documented path, `path` the concrete one.
    pub async fn call(
        &self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        let token = self.token.clone();
        self.raw(method, template, path, token.as_deref(), |r| match body {
            Some(b) => r.json(&b),
            None => r,
        })
        .await
    }

    pub async fn get(&self, template: &str, path: &str) -> Resp {
        self.call(Method::GET, template, path, None).await
    }

    /// Full control: explicit token (or none) and request tweaks.
    pub async fn raw(
        &self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        tweak: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Resp {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = tweak(req).send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp.bytes().await.unwrap();
        let json = content_type
            .as_deref()
            .is_none_or(|c| c.starts_with("application/json"));
        let body = if bytes.is_empty() {
            Value::Null
        } else if !json {
            // A documented text format (Prometheus metrics).
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {path}: non-JSON body ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        self.log.lock().unwrap().push(Exchange {
            method,
            template: template.to_string(),
            status,
            content_type,
            body: body.clone(),
        });
        Resp {
            status,
            body,
            headers,
        }
    }

    /// Checks every recorded exchange against the served OpenAPI document.
    pub async fn check_against_openapi(&self) -> Vec<Exchange> {
        let token = self.token.clone();
        let doc = self
            .http
            .get(format!("{}/api/openapi.json", self.base))
            .bearer_auth(token.unwrap_or_default())
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let log = self.log.lock().unwrap().clone();
        for ex in &log {
            conforms(&doc, ex);
        }
        log
    }

    pub async fn stop(mut self) {
        if let Some(c) = self.container.take() {
            c.shutdown(Duration::from_secs(5)).await;
        }
    }
}

/// Asserts one exchange is documented and its body matches the schema.
pub fn conforms(doc: &Value, ex: &Exchange) {
    let what = format!("{} {} -> {}", ex.method, ex.template, ex.status);
    let op = &doc["paths"][&ex.template][ex.method.as_str().to_lowercase()];
    assert!(
        op.is_object(),
        "{what}: operation not in the OpenAPI document"
    );
    let resp = &op["responses"][ex.status.as_str()];
    assert!(
        resp.is_object(),
        "{what}: status not documented; body {}",
        ex.body
    );
    let schema = &resp["content"]["application/json"]["schema"];
    let media = ex
        .content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .unwrap_or_default();
    if media != "application/json" && resp["content"][media].is_object() {
        // A documented non-JSON body (text): its media type is declared.
        assert!(ex.body.is_string(), "{what}: expected a text body");
        return;
    }
    if schema.is_null() {
        assert!(ex.body.is_null(), "{what}: undocumented body {}", ex.body);
        return;
    }
    assert!(
        ex.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{what}: content type {:?}",
        ex.content_type
    );
    let mut root = schema.clone();
    if let Value::Object(m) = &mut root {
        m.insert("components".into(), doc["components"].clone());
    } else {
        root = json!({"allOf": [schema], "components": doc["components"]});
    }
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{what}: schema does not compile: {e}"));
    if let Err(e) = validator.validate(&ex.body) {
        panic!(
            "{what}: body does not match the documented schema: {e}\nbody: {}",
            serde_json::to_string_pretty(&ex.body).unwrap()
        );
    }
}

/// Every (method, path) the document declares.
pub fn documented_operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    ops
}
