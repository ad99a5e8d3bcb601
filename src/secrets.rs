//! What modelswap keeps out of every record, log, cassette, report and error message: a
//! provider's API key, and the credentials a URL may carry (`http://user:password@host`). One
//! home for the rule, used wherever vendor text or a URL is written. A leaf.

/// What replaces a secret in text.
pub const REDACTED: &str = "[REDACTED]";

/// The secrets of one provider.
#[derive(Debug, Clone, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// `api_key`, and the user and password of `base_url` if it carries any.
    pub fn new(api_key: Option<&str>, base_url: Option<&str>) -> Self {
        let mut secrets: Vec<String> = api_key.into_iter().map(str::to_owned).collect();
        if let Some((user, password)) = base_url.and_then(credentials) {
            secrets.extend([password, user].into_iter().filter(|s| !s.is_empty()));
        }
        // Shorter ones could match inside ordinary text; a key of fewer than 4 characters is
        // no key at all.
        secrets.retain(|s| s.len() >= 4);
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self(secrets)
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.0 {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }
}

/// `url` without the user and password it may carry: `http://u:p@host:8000/v1` →
/// `http://host:8000/v1`. Anything else about the URL is kept as written.
pub fn strip_credentials(url: &str) -> String {
    match authority(url) {
        Some((start, end)) => match url[start..end].rfind('@') {
            Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The user and password a URL carries (percent-decoding is not needed: the text is what would
/// be echoed back).
fn credentials(url: &str) -> Option<(String, String)> {
    let (start, end) = authority(url)?;
    let userinfo = &url[start..start + url[start..end].rfind('@')?];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    Some((user.to_string(), password.to_string()))
}

/// The byte range of a URL's authority (after `scheme://`, up to the path, query or fragment).
fn authority(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_and_nothing_else() {
        assert_eq!(
            strip_credentials("http://user:s3cret@gpu-box:8000/v1"),
            "http://gpu-box:8000/v1"
        );
        assert_eq!(
            strip_credentials("https://tok@host/v1?x=a@b"),
            "https://host/v1?x=a@b"
        );
        assert_eq!(
            strip_credentials("https://api.openai.com/v1"),
            "https://api.openai.com/v1"
        );
        assert_eq!(strip_credentials("not a url"), "not a url");
    }

    #[test]
    fn keys_and_url_credentials_are_redacted_wherever_they_appear() {
        let s = Secrets::new(Some("sk-abcdef"), Some("http://admin:hunter22@host/v1"));
        assert_eq!(
            s.redact("key sk-abcdef for admin:hunter22 at http://admin:hunter22@host"),
            "key [REDACTED] for [REDACTED]:[REDACTED] at http://[REDACTED]:[REDACTED]@host"
        );
        // Too short to be a secret: never matched inside ordinary words.
        let short = Secrets::new(Some("ab"), Some("http://a:b@host"));
        assert_eq!(short.redact("a cab"), "a cab");
    }
}
