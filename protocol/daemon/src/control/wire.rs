//! The control protocol, version 1: newline-delimited JSON, one request object per line, one
//! response object per line, in order; a client may send several requests on one connection.
//!
//! ```text
//! -> {"v":1,"cmd":"status"}
//! <- {"v":1,"ok":true,"result":{...}}
//! -> {"v":1,"cmd":"set","key":"cpu_percent","value":"50"}
//! <- {"v":1,"ok":false,"error":"cpu_percent 150 is outside 0..100"}
//! ```
//!
//! Every daemon answers `hello` with its name, version, pid, protocol version and commands, so
//! a client can check what it talks to. A request of another protocol version is refused with
//! an error naming both versions; fields a command does not know are ignored, so later versions
//! can add optional fields without a bump.

use serde_json::{json, Map, Value};

/// The protocol version this build speaks.
pub const VERSION: u64 = 1;
/// The socket's file name in the data dir.
pub const SOCKET_FILE: &str = "control.sock";
/// Longest request line the server reads; control requests are tiny.
pub const MAX_LINE: usize = 64 * 1024;

/// A parsed request: its command and the rest of its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub cmd: String,
    pub fields: Map<String, Value>,
}

impl Request {
    /// Parses one request line, checking the version.
    pub fn parse(line: &str) -> Result<Request, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| format!("the request is not JSON: {e}"))?;
        let Value::Object(mut fields) = value else { return Err("the request must be a JSON object".into()) };
        match fields.remove("v").and_then(|v| v.as_u64()) {
            Some(VERSION) => {}
            Some(other) => return Err(format!("this daemon speaks control protocol version {VERSION}, the request is version {other}")),
            None => return Err(format!("the request has no protocol version: add \"v\":{VERSION}")),
        }
        let cmd = match fields.remove("cmd") {
            Some(Value::String(c)) => c,
            _ => return Err("the request has no \"cmd\" string".into()),
        };
        Ok(Request { cmd, fields })
    }

    /// The request line for `cmd` with `fields` (an object, or null for none).
    pub fn line(cmd: &str, fields: Value) -> String {
        let mut object = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        object.insert("v".into(), json!(VERSION));
        object.insert("cmd".into(), json!(cmd));
        Value::Object(object).to_string()
    }

    /// A string field, or an error naming it.
    pub fn str(&self, key: &str) -> Result<&str, String> {
        self.fields.get(key).and_then(|v| v.as_str()).ok_or_else(|| format!("{}: missing string field {key:?}", self.cmd))
    }

    pub fn opt_str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(|v| v.as_str())
    }
}

/// The response line for a handler's result.
pub fn response(result: Result<Value, String>) -> String {
    match result {
        Ok(v) => json!({ "v": VERSION, "ok": true, "result": v }).to_string(),
        Err(e) => json!({ "v": VERSION, "ok": false, "error": e }).to_string(),
    }
}

/// A response line back into the handler's result; `Err` when the line is not a response of
/// this protocol version.
pub fn parse_response(line: &str) -> Result<Result<Value, String>, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("the daemon's answer is not JSON: {e}"))?;
    if v.get("v").and_then(|v| v.as_u64()) != Some(VERSION) {
        return Err(format!("the daemon answered in another control protocol version: {line}"));
    }
    match v.get("ok").and_then(|o| o.as_bool()) {
        Some(true) => Ok(Ok(v.get("result").cloned().unwrap_or(Value::Null))),
        Some(false) => Ok(Err(v.get("error").and_then(|e| e.as_str()).unwrap_or("unknown error").to_string())),
        None => Err(format!("the daemon's answer has no \"ok\": {line}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_versions_are_checked() {
        let line = Request::line("set", json!({"key": "threads", "value": "2"}));
        let r = Request::parse(&line).unwrap();
        assert_eq!((r.cmd.as_str(), r.str("key").unwrap()), ("set", "threads"));
        assert!(r.str("nope").unwrap_err().contains("nope"));
        assert!(Request::parse(r#"{"v":2,"cmd":"status"}"#).unwrap_err().contains("version 1"));
        assert!(Request::parse(r#"{"cmd":"status"}"#).unwrap_err().contains("\"v\":1"));
        assert!(Request::parse("status").unwrap_err().contains("not JSON"));
        assert_eq!(parse_response(&response(Ok(json!(5)))).unwrap(), Ok(json!(5)));
        assert_eq!(parse_response(&response(Err("no".into()))).unwrap(), Err("no".into()));
    }
}
