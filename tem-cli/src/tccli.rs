//! Which profile is meant (`--profile`, `TENCENTCLOUD_PROFILE`, `default`), and tccli's setup,
//! so that a tccli user's configuration works unchanged: `~/.tccli/<profile>.credential` (JSON:
//! `secretId`, `secretKey`, optional `token`) and `~/.tccli/<profile>.configure` (JSON:
//! `region` and `output` under `_sys_param`, or at the top level as older tccli wrote them), as
//! tccli 3.1 reads and writes them (`tccli/configure.py`).
//!
//! They are read only when `~/.tencentcloud/credentials` lacks the profile ([`locate_profile`]);
//! the whole order is in the client module's documentation and the README.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use serde_json::Value;
use tem_core::credentials::{
    CredentialsFuture, Environment, Profile, ProvideCredentials, ENV_PROFILE, SYSTEM_CREDENTIALS_FILE,
};
use tem_core::{ConfigErrorKind, Credentials, CredentialsError, CredentialsErrorKind};

/// Where the profile's name came from, to say so in errors.
#[derive(Clone, Debug)]
pub struct ProfileName {
    pub name: String,
    /// `--profile` or `TENCENTCLOUD_PROFILE`; `None` for the implicit `default`.
    pub source: Option<&'static str>,
}

/// tccli's `output` setting of the profile, when its credentials come from tccli's files:
/// the default of `--output` there, as tccli's own.
pub fn tccli_output(matches: &ArgMatches) -> Option<String> {
    if matches.get_flag("emulator") {
        return None;
    }
    let (_, _, tccli) = locate_profile(matches.get_one::<String>("profile")).ok()?;
    tccli?.output
}

/// The environment to read, the profile's name, and tccli's profile when the credentials
/// file lacks the profile and tccli has it.
pub fn locate_profile(
    flag: Option<&String>,
) -> Result<(Environment, ProfileName, Option<TccliProfile>), CredentialsError> {
    let env = match flag {
        None => Environment::process(),
        Some(profile) => profile_environment(profile.clone()),
    };
    let profile = match (flag, env.var(ENV_PROFILE).ok().flatten()) {
        (Some(name), _) => ProfileName { name: name.clone(), source: Some("--profile") },
        (None, Some(name)) => ProfileName { name: name.trim().to_owned(), source: Some(ENV_PROFILE) },
        (None, None) => ProfileName { name: "default".to_owned(), source: None },
    };
    let missing = match Profile::load(&env) {
        Ok(_) => false,
        Err(e) => matches!(
            e.kind(),
            CredentialsErrorKind::NotFound | CredentialsErrorKind::Config(ConfigErrorKind::UnknownProfile)
        ),
    };
    let tccli = match (missing, env.home()) {
        (true, Some(home)) => TccliProfile::load(home, &profile.name)?,
        _ => None,
    };
    Ok((env, profile, tccli))
}

/// The process's environment with `TENCENTCLOUD_PROFILE` set to `profile`.
fn profile_environment(profile: String) -> Environment {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(std::path::PathBuf::from);
    Environment::from_vars(
        move |name| if name == ENV_PROFILE { Some(profile.clone()) } else { std::env::var(name).ok() },
    )
    .with_home(home.filter(|h| !h.as_os_str().is_empty()))
    .with_system_credentials_file(Some(SYSTEM_CREDENTIALS_FILE.into()))
}

/// Largest file read: these hold a few keys.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
const PROVIDER: &str = "tccli";

/// One tccli profile: its credentials and settings.
#[derive(Clone, Debug)]
pub struct TccliProfile {
    pub credential_path: PathBuf,
    credentials: Credentials,
    /// `region` of the `.configure` file.
    pub region: Option<String>,
    /// `output` of the `.configure` file (json, text, table).
    pub output: Option<String>,
}

impl TccliProfile {
    /// The profile `name` under `home`/.tccli, `None` when it has no `.credential` file;
    /// an error when a file is there but unreadable or malformed.
    pub fn load(home: &Path, name: &str) -> Result<Option<Self>, CredentialsError> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Ok(None);
        }
        let dir = home.join(".tccli");
        let credential_path = dir.join(format!("{name}.credential"));
        let Some(credential) = read_json(&credential_path)? else {
            return Ok(None);
        };
        let malformed = |why: &str| {
            CredentialsError::config(
                ConfigErrorKind::MalformedFile,
                PROVIDER,
                format!("{}: {why}", credential_path.display()),
            )
        };
        let text = |key: &str| -> Result<Option<String>, CredentialsError> {
            match credential.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) if s.contains(char::is_control) => {
                    Err(malformed(&format!("{key} contains a control character")))
                }
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(malformed(&format!("{key} is not a string"))),
            }
        };
        let (Some(id), Some(key)) = (text("secretId")?, text("secretKey")?) else {
            return Err(malformed("secretId and secretKey are both needed"));
        };
        let mut credentials = Credentials::new(id, key);
        if let Some(token) = text("token")? {
            credentials = credentials.with_token(token);
        }
        let configure = read_json(&dir.join(format!("{name}.configure")))?.unwrap_or(Value::Null);
        let setting = |key: &str| {
            configure
                .get("_sys_param")
                .and_then(|p| p.get(key))
                .or_else(|| configure.get(key))
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().to_owned())
        };
        Ok(Some(Self { credential_path, credentials, region: setting("region"), output: setting("output") }))
    }

    /// The credentials as a provider for a [`tem_core::credentials::ChainProvider`].
    pub fn provider(&self) -> TccliProvider {
        TccliProvider { credentials: self.credentials.clone() }
    }
}

/// A JSON file's content, `None` when there is no file.
fn read_json(path: &Path) -> Result<Option<Value>, CredentialsError> {
    let unreadable = |why: String| {
        CredentialsError::config(ConfigErrorKind::UnreadableFile, PROVIDER, format!("{}: {why}", path.display()))
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e.to_string())),
    };
    if !file.metadata().map_err(|e| unreadable(e.to_string()))?.is_file() {
        return Err(unreadable("not a regular file".to_owned()));
    }
    let mut text = String::new();
    file.take(MAX_FILE_BYTES).read_to_string(&mut text).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        CredentialsError::config(
            ConfigErrorKind::MalformedFile,
            PROVIDER,
            format!("{} is not valid JSON: {e}", path.display()),
        )
    })
}

/// The credentials of a tccli profile.
#[derive(Clone, Debug)]
pub struct TccliProvider {
    credentials: Credentials,
}

impl ProvideCredentials for TccliProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move { Ok(self.credentials.clone()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tem-cli-tccli-{}-{}", std::process::id(), files.len()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".tccli")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(".tccli").join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn reads_the_credential_and_the_configure_file_as_tccli_writes_them() {
        let home = home(&[
            ("work.credential", r#"{"secretId": "AKIDtccli", "secretKey": "key", "token": "tok"}"#),
            (
                "work.configure",
                r#"{"_sys_param": {"region": "ap-shanghai", "output": "table"}, "tem": {"endpoint": "tem.tencentcloudapi.com"}}"#,
            ),
        ]);
        let profile = TccliProfile::load(&home, "work").unwrap().expect("a profile");
        assert_eq!(profile.credentials.secret_id(), "AKIDtccli");
        assert_eq!(profile.credentials.token().map(|t| t.expose()), Some("tok"));
        assert_eq!((profile.region.as_deref(), profile.output.as_deref()), (Some("ap-shanghai"), Some("table")));
        assert!(TccliProfile::load(&home, "other").unwrap().is_none());
        assert!(TccliProfile::load(&home, "../work").unwrap().is_none());
        std::fs::remove_dir_all(home).unwrap();
    }

    #[test]
    fn a_broken_credential_file_is_an_error_naming_it() {
        let home = home(&[("x.credential", r#"{"secretId": "AKID"}"#), ("y.credential", "not json"), ("z", "")]);
        let error = TccliProfile::load(&home, "x").unwrap_err();
        assert!(error.to_string().contains("x.credential"), "{error}");
        let error = TccliProfile::load(&home, "y").unwrap_err();
        assert!(error.to_string().contains("not valid JSON"), "{error}");
        std::fs::remove_dir_all(home).unwrap();
    }
}
