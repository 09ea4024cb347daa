//! The credentials file: INI, one section per profile, as the official SDKs and `tccli` read it.
//!
//! ```ini
//! [default]
//! secret_id = AKID...
//! secret_key = ...
//! ; optional
//! token = ...
//! region = ap-guangzhou
//! role_arn = qcs::cam::uin/100000000001:roleName/deployer
//! role_session_name = deploy
//! ```
//!
//! The file is `TENCENTCLOUD_CREDENTIALS_FILE` if set (it must then exist), else
//! `~/.tencentcloud/credentials`, else `/etc/tencentcloud/credentials`. The profile is
//! `TENCENTCLOUD_PROFILE`, else `default`. With `role_arn`, the profile's keys are the base
//! credentials of an STS `AssumeRole` and the provider returns the role's temporary credentials.
//!
//! The parser is hand-written and strict where Python's `configparser` is strict: `#` and `;`
//! start comment lines, `key = value` or `key: value`, keys are case-insensitive, and a line
//! outside a section, a line without a delimiter, or a repeated section or key is an error that
//! names the line (never its content, which may be a secret).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::sts::AssumeRoleProvider;
use super::{
    Credentials, CredentialsError, CredentialsFuture, Environment, ProvideCredentials, SharedCredentialsProvider,
    ENV_CREDENTIALS_FILE, ENV_PROFILE,
};
use crate::error::ConfigErrorKind;

/// The largest credentials file read: 1 MiB, far more than any real one. A larger file, or
/// anything but a regular file (a FIFO, a device, a directory), is an
/// [`ConfigErrorKind::UnreadableFile`] error naming it, so that a strange file can neither
/// hang the program nor fill its memory.
pub const MAX_CREDENTIALS_FILE_BYTES: u64 = 1024 * 1024;

const PROVIDER: &str = "credentials file";

/// One profile of the credentials file. `Debug` redacts the secret key and token.
#[derive(Clone, Debug)]
pub struct Profile {
    path: PathBuf,
    name: String,
    credentials: Credentials,
    region: Option<String>,
    role: Option<(String, String)>,
}

impl Profile {
    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The profile's name: its section.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `secret_id`, `secret_key` and the optional `token`.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `region`, if the profile names one.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// `role_arn` and `role_session_name`, if the profile assumes a role.
    pub fn role(&self) -> Option<(&str, &str)> {
        self.role.as_ref().map(|(arn, session)| (arn.as_str(), session.as_str()))
    }

    /// Finds and reads the profile `env` points at.
    pub fn load(env: &Environment) -> Result<Self, CredentialsError> {
        let name = match env.var(ENV_PROFILE).map_err(|e| config(e.kind(), e.to_string()))? {
            Some(name) if name.trim().is_empty() => {
                return Err(config(
                    ConfigErrorKind::EmptyVariable,
                    format!("environment variable {ENV_PROFILE} is empty"),
                ))
            }
            Some(name) => Some(name.trim().to_owned()),
            None => None,
        };
        let (path, text) = find_file(env)?;
        let sections = parse_ini(&text).map_err(|why| {
            config(ConfigErrorKind::MalformedFile, format!("{} is not a valid credentials file: {why}", path.display()))
        })?;
        let wanted = name.as_deref().unwrap_or("default");
        let Some((_, entries)) = sections.iter().find(|(section, _)| section == wanted) else {
            let message = format!("{} has no profile [{wanted}]", path.display());
            return Err(match name {
                // Named explicitly: a mistake. The implicit default missing: nothing here.
                Some(_) => config(ConfigErrorKind::UnknownProfile, format!("{message} (named by {ENV_PROFILE})")),
                None => CredentialsError::not_found(PROVIDER, message),
            });
        };
        let malformed = |why: String| {
            config(ConfigErrorKind::MalformedFile, format!("{} profile [{wanted}]: {why}", path.display()))
        };
        let get = |key: &str| -> Result<Option<&str>, CredentialsError> {
            match entries.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, value)) if value.is_empty() => Err(malformed(format!("{key} is empty"))),
                Some((_, value)) => Ok(Some(value.as_str())),
            }
        };
        let secret = |key: &str| match get(key)? {
            Some(value) if super::has_control_character(value) => {
                Err(malformed(format!("{key} contains a control character")))
            }
            value => Ok(value),
        };
        let require = |key: &str| secret(key)?.ok_or_else(|| malformed(format!("{key} is missing")));
        let mut credentials = Credentials::new(require("secret_id")?, require("secret_key")?);
        if let Some(token) = secret("token")? {
            credentials = credentials.with_token(token);
        }
        let role = match (get("role_arn")?, get("role_session_name")?) {
            (Some(arn), Some(session)) => Some((arn.to_owned(), session.to_owned())),
            (None, None) => None,
            (Some(_), None) => return Err(malformed("role_arn is set but role_session_name is missing".into())),
            (None, Some(_)) => return Err(malformed("role_session_name is set but role_arn is missing".into())),
        };
        let region = get("region")?.map(str::to_owned);
        Ok(Self { path, name: wanted.to_owned(), credentials, region, role })
    }
}

fn config(kind: ConfigErrorKind, message: String) -> CredentialsError {
    CredentialsError::config(kind, PROVIDER, message)
}

/// The bytes of the regular file at `path` (symbolic links followed), at most `limit`;
/// `named_by` says where the path came from, `provider` who reads it. Shared by the
/// credentials file and the web identity token file.
pub(super) fn read_regular_file(
    path: &Path,
    named_by: &str,
    provider: &'static str,
    limit: u64,
) -> Result<Vec<u8>, CredentialsError> {
    let unreadable = |why: &str| {
        CredentialsError::config(
            ConfigErrorKind::UnreadableFile,
            provider,
            format!("cannot read {}{named_by}: {why}", path.display()),
        )
    };
    let io_error = |e: std::io::Error| unreadable(&e.to_string()).with_source(e);
    let not_regular = || unreadable("it is not a regular file");
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO waits for a writer: open without waiting, then look at what was
        // opened (no race between a check of the path and the open).
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if !std::fs::metadata(path).map_err(io_error)?.is_file() {
        return Err(not_regular());
    }
    let file = options.open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity(metadata.len().min(limit.saturating_add(1)) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > limit {
        let size = match limit {
            _ if limit.is_multiple_of(1 << 20) => format!("{} MiB", limit >> 20),
            _ if limit.is_multiple_of(1 << 10) => format!("{} KiB", limit >> 10),
            _ => format!("{limit} bytes"),
        };
        return Err(unreadable(&format!("it is larger than {size}")));
    }
    Ok(bytes)
}

/// The credentials file's path and text.
fn find_file(env: &Environment) -> Result<(PathBuf, String), CredentialsError> {
    let read = |path: PathBuf, named_by: &str| {
        let bytes = read_regular_file(&path, named_by, PROVIDER, MAX_CREDENTIALS_FILE_BYTES)?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok((path, text)),
            Err(_) => Err(config(ConfigErrorKind::MalformedFile, format!("{} is not UTF-8 text", path.display()))),
        }
    };
    if let Some(path) = env.var(ENV_CREDENTIALS_FILE).map_err(|e| config(e.kind(), e.to_string()))? {
        if path.trim().is_empty() {
            return Err(config(
                ConfigErrorKind::EmptyVariable,
                format!("environment variable {ENV_CREDENTIALS_FILE} is empty"),
            ));
        }
        return read(PathBuf::from(path), &format!(" (named by {ENV_CREDENTIALS_FILE})"));
    }
    let mut looked = Vec::new();
    let home = env.home().map(|home| home.join(".tencentcloud").join("credentials"));
    for path in home.into_iter().chain(env.system_credentials_file().cloned()) {
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => looked.push(path.display().to_string()),
            _ => return read(path, ""),
        }
    }
    let looked = if looked.is_empty() { "no home directory".to_owned() } else { looked.join(", ") };
    Err(CredentialsError::not_found(
        PROVIDER,
        format!("no credentials file ({ENV_CREDENTIALS_FILE} is not set; looked at {looked})"),
    ))
}

type Sections = Vec<(String, Vec<(String, String)>)>;

/// Parses INI text into sections of `(key, value)` pairs, in order. The error names the line
/// but never repeats it.
pub(crate) fn parse_ini(text: &str) -> Result<Sections, String> {
    let mut sections: Sections = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name =
                rest.strip_suffix(']').ok_or_else(|| format!("line {line_no}: a section header must end with ']'"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("line {line_no}: empty section name"));
            }
            if sections.iter().any(|(existing, _)| existing == name) {
                return Err(format!("line {line_no}: section [{name}] appears twice"));
            }
            sections.push((name.to_owned(), Vec::new()));
            continue;
        }
        let Some((_, entries)) = sections.last_mut() else {
            return Err(format!("line {line_no}: a key outside any [section]"));
        };
        let at = line.find(['=', ':']).ok_or_else(|| format!("line {line_no}: expected `key = value`"))?;
        let key = line[..at].trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(format!("line {line_no}: a value without a key"));
        }
        if entries.iter().any(|(existing, _)| *existing == key) {
            return Err(format!("line {line_no}: key {key} appears twice in the section"));
        }
        entries.push((key, line[at + 1..].trim().to_owned()));
    }
    Ok(sections)
}

#[derive(Debug)]
enum Loaded {
    Static(Credentials),
    AssumeRole(SharedCredentialsProvider),
}

/// Credentials from the credentials file (see the module documentation). The file is read
/// once, on first use or [`ProvideCredentials::check`].
#[derive(Debug)]
pub struct ProfileProvider {
    env: Environment,
    loaded: OnceLock<Result<Loaded, CredentialsError>>,
}

impl ProfileProvider {
    /// Reads the process's environment and home directory.
    pub fn new() -> Self {
        Self::with_environment(Environment::process())
    }

    /// Reads the variables, home directory and system file of `env`.
    pub fn with_environment(env: Environment) -> Self {
        Self { env, loaded: OnceLock::new() }
    }

    fn loaded(&self) -> Result<&Loaded, CredentialsError> {
        self.loaded.get_or_init(|| load(&self.env)).as_ref().map_err(Clone::clone)
    }
}

impl Default for ProfileProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn load(env: &Environment) -> Result<Loaded, CredentialsError> {
    let profile = Profile::load(env)?;
    let Some((arn, session)) = profile.role() else {
        return Ok(Loaded::Static(profile.credentials));
    };
    let mut builder = AssumeRoleProvider::builder(arn, session)
        .base_credentials(profile.credentials.clone())
        .shared_time_source(env.time_source());
    if let Some(region) = profile.region() {
        builder = builder.region(region);
    }
    if let Some(endpoint) = env.sts_endpoint() {
        builder = builder.endpoint(endpoint);
    }
    let provider = builder
        .build()
        .map_err(|e| config(e.kind(), format!("{} profile [{}]: {e}", profile.path.display(), profile.name)))?;
    Ok(Loaded::AssumeRole(SharedCredentialsProvider::from_arc(Arc::new(provider))))
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            match self.loaded()? {
                Loaded::Static(credentials) => Ok(credentials.clone()),
                Loaded::AssumeRole(provider) => provider.provide_credentials().await,
            }
        })
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.loaded().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_parses_sections_comments_and_both_delimiters() {
        let text = "\u{feff}# comment\n; other\n[default]\nsecret_id = a\nSECRET_KEY: b=c\n\n[ prod ]\nrole_arn = qcs::cam::uin/1:roleName/x\n";
        let sections = parse_ini(text).unwrap();
        assert_eq!(sections[0].0, "default");
        assert_eq!(sections[0].1, [("secret_id".into(), "a".into()), ("secret_key".into(), "b=c".into())]);
        assert_eq!(sections[1].0, "prod");
        assert_eq!(sections[1].1[0].1, "qcs::cam::uin/1:roleName/x");
    }

    #[test]
    fn ini_errors_name_the_line_but_not_its_content() {
        let err = |text: &str| parse_ini(text).unwrap_err();
        assert_eq!(err("secret_key = hunter2\n"), "line 1: a key outside any [section]");
        assert_eq!(err("[a]\nhunter2\n"), "line 2: expected `key = value`");
        assert_eq!(err("[a]\n[a]\n"), "line 2: section [a] appears twice");
        assert_eq!(err("[a]\nk=1\nK=2\n"), "line 3: key k appears twice in the section");
        assert_eq!(err("[a\n"), "line 1: a section header must end with ']'");
        assert_eq!(err("[]\n"), "line 1: empty section name");
        assert_eq!(err("[a]\n = hunter2\n"), "line 2: a value without a key");
    }
}
