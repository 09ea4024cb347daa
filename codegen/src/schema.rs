//! Loading and validating a service description into the model the emitter works from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{ApiFile, CommonErrorsFile, ErrorsFile, ExamplesFile, ExtensionsFile, MemberDef};

/// A file's name (for error messages) and its text.
#[derive(Clone, Copy, Debug)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// The files of one service version; only `api` is required.
#[derive(Clone, Copy, Debug)]
pub struct ServiceFiles<'a> {
    pub api: SourceFile<'a>,
    pub api_en: Option<SourceFile<'a>>,
    pub examples: Option<SourceFile<'a>>,
    pub errors: Option<SourceFile<'a>>,
    pub extensions: Option<SourceFile<'a>>,
}

/// A schema problem, naming the file and, where it applies, the structure and member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    pub file: String,
    pub structure: Option<String>,
    pub member: Option<String>,
    pub message: String,
}

impl SchemaError {
    fn new(file: &str, message: impl Into<String>) -> Self {
        Self { file: file.to_owned(), structure: None, member: None, message: message.into() }
    }

    fn at(mut self, structure: &str, member: Option<&str>) -> Self {
        self.structure = Some(structure.to_owned());
        self.member = member.map(str::to_owned);
        self
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(structure) = &self.structure {
            write!(f, ": structure `{structure}`")?;
        }
        if let Some(member) = &self.member {
            write!(f, ", member `{member}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SchemaError {}

/// A member's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    Int64,
    UInt64,
    Float,
    Bool,
    /// Bytes: `binary` in the API description.
    Binary,
    Struct(String),
    List(Box<Ty>),
}

impl Ty {
    fn scalar(name: &str) -> Option<Self> {
        Some(match name {
            // Dates and times travel as strings.
            "string" | "datetime" | "date" | "datetime_iso" | "timestamp_iso8601" => Self::String,
            // Bytes, sent as a file part of a multipart form (`tem_core::multipart`).
            "binary" => Self::Binary,
            "int64" | "int32" | "int" | "integer" | "timestamp" => Self::Int64,
            "uint64" | "uint32" | "uint" => Self::UInt64,
            "float" | "double" => Self::Float,
            "bool" | "boolean" => Self::Bool,
            _ => return None,
        })
    }

    /// The structure this type refers to, directly or as a list element.
    pub fn structure(&self) -> Option<&str> {
        match self {
            Self::Struct(name) => Some(name),
            Self::List(inner) => inner.structure(),
            _ => None,
        }
    }
}

/// Where a structure is used, which decides what is optional in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub input: bool,
    pub output: bool,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub wire: String,
    pub doc: String,
    pub doc_en: Option<String>,
    pub ty: Ty,
    pub required: bool,
    pub output_required: bool,
    pub value_allowed_null: bool,
    pub deprecated: bool,
    pub example: Option<String>,
    /// An English replacement of `example` for English help (`extensions.json`).
    pub example_en: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Structure {
    pub wire: String,
    pub doc: String,
    pub doc_en: Option<String>,
    pub members: Vec<Member>,
    pub usage: Usage,
}

#[derive(Clone, Debug)]
pub struct ErrorCode {
    pub code: String,
    pub description: String,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub wire: String,
    pub title: String,
    pub title_en: Option<String>,
    pub doc: String,
    pub doc_en: Option<String>,
    pub deprecated: bool,
    pub input: Structure,
    pub output: Structure,
    pub errors: Vec<ErrorCode>,
    pub rate_limit_per_second: Option<u32>,
    /// Changes nothing on the server, so it is safe to resend after a failure mid-request.
    pub read_only: bool,
}

/// One service version, validated: every reference resolves, every type is known.
#[derive(Clone, Debug)]
pub struct Service {
    /// Short name, the host's first label (`tem`).
    pub name: String,
    pub version: String,
    pub title: String,
    pub brief: String,
    /// Sorted by wire name.
    pub actions: Vec<Action>,
    /// Data structures (not the request and response objects), by wire name.
    pub structures: BTreeMap<String, Structure>,
    pub examples: ExamplesFile,
    /// Structures that can reach themselves through non-list members, by structure; members
    /// of these pointing back into the cycle are boxed.
    reach: BTreeMap<String, BTreeSet<String>>,
}

impl Service {
    /// Loads and validates a service's files.
    pub fn load(files: ServiceFiles<'_>) -> Result<Self, SchemaError> {
        let api: ApiFile = parse(files.api)?;
        let api_en: Option<ApiFile> = files.api_en.map(parse).transpose()?;
        let examples: ExamplesFile = files.examples.map(parse).transpose()?.unwrap_or_default();
        let errors: ErrorsFile = files.errors.map(parse).transpose()?.unwrap_or_default();
        let extensions: ExtensionsFile = files.extensions.map(parse).transpose()?.unwrap_or_default();
        let file = files.api.name;
        check_unique_keys(files.api)?;

        let io: BTreeSet<&str> = api.actions.values().flat_map(|a| [a.input.as_str(), a.output.as_str()]).collect();
        let en_doc = |object: &str, member: Option<&str>| -> Option<String> {
            let object = api_en.as_ref()?.objects.get(object)?;
            let doc = match member {
                None => &object.document,
                Some(m) => &object.members.iter().find(|x| x.name == m)?.document,
            };
            (!doc.trim().is_empty()).then(|| doc.clone())
        };

        let extensions_file = files.extensions.map_or("extensions.json", |f| f.name);
        for (object, extension) in &extensions.objects {
            let Some(def) = api.objects.get(object) else {
                return Err(SchemaError::new(
                    extensions_file,
                    format!("names structure `{object}`, which is not defined"),
                ));
            };
            if let Some(member) = extension.members.keys().find(|m| !def.members.iter().any(|d| &d.name == *m)) {
                return Err(
                    SchemaError::new(extensions_file, "names a member that is not defined").at(object, Some(member))
                );
            }
        }
        // Our English fills the official file's gaps only: once Tencent documents a text, ours goes.
        let english = |official: Option<String>, ours: Option<&String>, what: String| match (official, ours) {
            (Some(_), Some(_)) => Err(SchemaError::new(
                extensions_file,
                format!("{what} has English in the official api.en.json now: remove ours"),
            )),
            (official, ours) => Ok(official.or_else(|| ours.cloned())),
        };

        let mut all: BTreeMap<String, Structure> = BTreeMap::new();
        for (name, object) in &api.objects {
            let member_extensions = extensions.objects.get(name).map(|o| &o.members);
            let mut seen = BTreeSet::new();
            let mut members = Vec::with_capacity(object.members.len());
            for m in &object.members {
                if !seen.insert(m.name.as_str()) {
                    return Err(SchemaError::new(file, "duplicate member name").at(name, Some(&m.name)));
                }
                let ty = member_type(m).map_err(|e| SchemaError::new(file, e).at(name, Some(&m.name)))?;
                if let Some(target) = ty.structure() {
                    if !api.objects.contains_key(target) {
                        return Err(SchemaError::new(
                            file,
                            format!("refers to structure `{target}`, which is not defined"),
                        )
                        .at(name, Some(&m.name)));
                    }
                    if io.contains(target) {
                        return Err(SchemaError::new(
                            file,
                            format!("refers to `{target}`, an action's request or response"),
                        )
                        .at(name, Some(&m.name)));
                    }
                }
                let extension = member_extensions.and_then(|e| e.get(&m.name));
                let doc_en = english(
                    en_doc(name, Some(&m.name)),
                    extension.and_then(|e| e.document_en.as_ref()),
                    format!("structure `{name}`, member `{}`,", m.name),
                )?;
                members.push(Member {
                    wire: m.name.clone(),
                    doc: m.document.clone(),
                    doc_en,
                    ty,
                    required: m.required.unwrap_or(false),
                    output_required: m.output_required.unwrap_or(false),
                    value_allowed_null: m.value_allowed_null.unwrap_or(false),
                    deprecated: m.disabled.unwrap_or(false),
                    example: m.example.as_ref().and_then(example_text),
                    example_en: extension.and_then(|e| e.example_en.clone()),
                });
            }
            all.insert(
                name.clone(),
                Structure {
                    wire: name.clone(),
                    doc: object.document.clone(),
                    doc_en: en_doc(name, None),
                    members,
                    usage: Usage::default(),
                },
            );
        }

        // Usage: what each request and response reaches.
        for action in api.actions.values() {
            for (root, output) in [(&action.input, false), (&action.output, true)] {
                let mut stack = vec![root.clone()];
                let mut seen = BTreeSet::new();
                while let Some(name) = stack.pop() {
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    let Some(s) = all.get_mut(&name) else { continue };
                    if output {
                        s.usage.output = true
                    } else {
                        s.usage.input = true
                    }
                    stack.extend(s.members.iter().filter_map(|m| m.ty.structure().map(str::to_owned)));
                }
            }
        }

        let mut actions = Vec::with_capacity(api.actions.len());
        for (wire, def) in &api.actions {
            let io_object = |name: &str| {
                all.get(name).cloned().ok_or_else(|| {
                    SchemaError::new(file, format!("action `{wire}` refers to `{name}`, which is not defined"))
                })
            };
            let mut input = io_object(&def.input)?;
            input.usage = Usage { input: true, output: false };
            let mut output = io_object(&def.output)?;
            output.usage = Usage { input: false, output: true };
            // Every reply carries its request id, though the description does not say so.
            for member in output.members.iter_mut().filter(|m| m.wire == "RequestId") {
                member.output_required = true;
            }
            let codes = errors.actions.get(wire).cloned().unwrap_or_default();
            let mut action_errors = Vec::with_capacity(codes.len());
            for code in codes {
                let description = errors.codes.get(&code).cloned().ok_or_else(|| {
                    SchemaError::new(
                        files.errors.map_or("errors.json", |f| f.name),
                        format!("action `{wire}` lists code `{code}`, which has no description"),
                    )
                })?;
                action_errors.push(ErrorCode { code, description });
            }
            let official = api_en.as_ref().and_then(|a| a.actions.get(wire));
            let extension = extensions.actions.get(wire);
            let non_empty = |text: &String| (!text.trim().is_empty()).then(|| text.clone());
            let title_en = english(
                official.and_then(|a| non_empty(&a.name)),
                extension.and_then(|e| e.title_en.as_ref()),
                format!("action `{wire}`'s title"),
            )?;
            let doc_en = english(
                official.and_then(|a| non_empty(&a.document)),
                extension.and_then(|e| e.document_en.as_ref()),
                format!("action `{wire}`'s document"),
            )?;
            actions.push(Action {
                wire: wire.clone(),
                title: def.name.clone(),
                title_en,
                doc: def.document.clone(),
                doc_en,
                deprecated: matches!(def.status.as_str(), "deprecated" | "offline"),
                input,
                output,
                errors: action_errors,
                rate_limit_per_second: extensions.actions.get(wire).and_then(|e| e.rate_limit_per_second),
                read_only: extensions
                    .actions
                    .get(wire)
                    .and_then(|e| e.read_only)
                    .unwrap_or_else(|| guess_read_only(wire)),
            });
        }

        for (source, names) in [
            (files.errors.map(|f| f.name), errors.actions.keys().collect::<Vec<_>>()),
            (files.examples.map(|f| f.name), examples.actions.keys().collect()),
            (files.extensions.map(|f| f.name), extensions.actions.keys().collect()),
        ] {
            if let Some(unknown) = names.into_iter().find(|n| !api.actions.contains_key(*n)) {
                return Err(SchemaError::new(
                    source.unwrap_or("?"),
                    format!("names action `{unknown}`, which is not defined"),
                ));
            }
        }

        let structures: BTreeMap<String, Structure> =
            all.into_iter().filter(|(name, _)| !io.contains(name.as_str())).collect();
        let reach = reachability(&structures);
        Ok(Self {
            name: api.metadata.service_short_name.clone(),
            version: api.metadata.api_version.clone(),
            title: api.metadata.service_name_cn.clone(),
            brief: api.metadata.api_brief.clone(),
            actions,
            structures,
            examples,
            reach,
        })
    }

    /// Whether a member of `from` holding `to` directly must be boxed: `to` leads back to `from`.
    pub fn is_cycle(&self, from: &str, to: &str) -> bool {
        self.reach.get(to).is_some_and(|r| r.contains(from))
    }
}

/// Whether an action only reads, judged by its verb: Tencent Cloud names actions
/// `<Verb><Object>`, and these verbs never change state. Anything else counts as a change;
/// `extensions.json` can say otherwise per action (`"read_only": true`).
pub fn guess_read_only(action: &str) -> bool {
    const READ_VERBS: &[&str] = &["Describe", "Get", "List", "Query", "Inquire", "Inquiry", "Check", "Search"];
    READ_VERBS.iter().any(|verb| {
        action
            .strip_prefix(verb)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

/// Loads `common-errors.json`.
pub fn load_common_errors(file: SourceFile<'_>) -> Result<CommonErrorsFile, SchemaError> {
    parse(file)
}

fn parse<T: serde::de::DeserializeOwned>(file: SourceFile<'_>) -> Result<T, SchemaError> {
    serde_json::from_str(file.text).map_err(|e| SchemaError::new(file.name, format!("cannot parse: {e}")))
}

/// JSON objects with a repeated key would silently lose one definition: refuse them.
fn check_unique_keys(file: SourceFile<'_>) -> Result<(), SchemaError> {
    #[derive(serde::Deserialize)]
    struct Top {
        #[serde(rename = "actions")]
        _actions: Keys,
        #[serde(rename = "objects")]
        _objects: Keys,
    }
    struct Keys;
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut seen = BTreeSet::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        if !seen.insert(key.clone()) {
                            return Err(serde::de::Error::custom(format!("duplicate name `{key}`")));
                        }
                    }
                    Ok(Keys)
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Top>(file.text).map(drop).map_err(|e| SchemaError::new(file.name, e.to_string()))
}

fn member_type(m: &MemberDef) -> Result<Ty, String> {
    let element = || Ty::scalar(&m.member).unwrap_or_else(|| Ty::Struct(m.member.clone()));
    match m.kind.as_str() {
        "list" => Ok(Ty::List(Box::new(element()))),
        "object" => Ok(element()),
        kind => {
            if Ty::scalar(kind).is_none() && !matches!(kind, "int" | "float" | "bool" | "string") {
                return Err(format!("unknown type `{kind}`"));
            }
            Ty::scalar(&m.member).ok_or_else(|| format!("unknown type `{}` for a `{kind}` member", m.member))
        }
    }
}

fn example_text(value: &serde_json::Value) -> Option<String> {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => return None,
        other => other.to_string(),
    };
    (!text.trim().is_empty()).then_some(text)
}

/// For each structure, the structures it reaches through non-list members.
fn reachability(structures: &BTreeMap<String, Structure>) -> BTreeMap<String, BTreeSet<String>> {
    let direct = |name: &str| -> Vec<String> {
        structures.get(name).map_or_else(Vec::new, |s| {
            s.members
                .iter()
                .filter_map(|m| match &m.ty {
                    Ty::Struct(t) => Some(t.clone()),
                    _ => None,
                })
                .collect()
        })
    };
    structures
        .keys()
        .map(|start| {
            let mut seen = BTreeSet::new();
            let mut stack = direct(start);
            while let Some(next) = stack.pop() {
                if seen.insert(next.clone()) {
                    stack.extend(direct(&next));
                }
            }
            (start.clone(), seen)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::guess_read_only;

    #[test]
    fn read_only_is_decided_by_the_whole_leading_verb() {
        for action in [
            "DescribeApplications",
            "GetCredentials",
            "ListTags",
            "QueryQuota",
            "InquiryPriceRunInstances",
            "CheckName",
        ] {
            assert!(guess_read_only(action), "{action}");
        }
        for action in [
            "RollingUpdateApplicationByVersion",
            "DeployApplication",
            "Describer",
            "Getaway",
            "ModifyIngress",
            "GenerateApplicationPackageDownloadUrl",
        ] {
            assert!(!guess_read_only(action), "{action}");
        }
    }

    use super::{SchemaError, Service, ServiceFiles, SourceFile};

    fn load(api: &str) -> Result<Service, SchemaError> {
        Service::load(ServiceFiles {
            api: SourceFile { name: "svc/api.json", text: api },
            api_en: None,
            examples: None,
            errors: None,
            extensions: None,
        })
    }

    /// A one-action service whose request has the given members.
    fn with_members(members: &str) -> String {
        format!(
            r#"{{"metadata": {{"apiVersion": "2020-01-01", "serviceShortName": "svc"}},
                "actions": {{"Do": {{"input": "DoRequest", "output": "DoResponse"}}}},
                "objects": {{"DoRequest": {{"members": [{members}]}}, "DoResponse": {{"members": []}},
                             "Thing": {{"members": []}}}}}}"#
        )
    }

    #[test]
    fn unknown_type_names_file_structure_and_member() {
        let error = load(&with_members(r#"{"name": "Size", "type": "int", "member": "int128"}"#)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/api.json: structure `DoRequest`, member `Size`: unknown type `int128` for a `int` member"
        );
        let error = load(&with_members(r#"{"name": "Size", "type": "tensor", "member": "float"}"#)).unwrap_err();
        assert_eq!(error.to_string(), "svc/api.json: structure `DoRequest`, member `Size`: unknown type `tensor`");
    }

    #[test]
    fn dangling_structure_reference_names_file_structure_and_member() {
        let error = load(&with_members(r#"{"name": "Item", "type": "object", "member": "Missing"}"#)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/api.json: structure `DoRequest`, member `Item`: refers to structure `Missing`, which is not defined"
        );
        let error = load(&with_members(r#"{"name": "Items", "type": "list", "member": "Gone"}"#)).unwrap_err();
        assert!(error.to_string().contains("refers to structure `Gone`"), "{error}");
    }

    #[test]
    fn duplicate_names_are_refused() {
        let twice =
            r#"{"name": "A", "type": "string", "member": "string"}, {"name": "A", "type": "int", "member": "int64"}"#;
        let error = load(&with_members(twice)).unwrap_err();
        assert_eq!(error.to_string(), "svc/api.json: structure `DoRequest`, member `A`: duplicate member name");
        let api = with_members("")
            .replace(r#""Thing": {"members": []}"#, r#""Thing": {"members": []}, "Thing": {"members": []}"#);
        let error = load(&api).unwrap_err();
        assert!(
            error.to_string().starts_with("svc/api.json: ") && error.to_string().contains("duplicate name `Thing`"),
            "{error}"
        );
    }

    #[test]
    fn an_action_without_its_request_is_refused() {
        let api = with_members("").replace(r#""input": "DoRequest""#, r#""input": "NoSuchRequest""#);
        let error = load(&api).unwrap_err();
        assert!(error.to_string().contains("action `Do` refers to `NoSuchRequest`, which is not defined"), "{error}");
    }

    /// `with_members` with an English file and our extensions.
    fn load_with(api_en: &str, extensions: &str) -> Result<Service, SchemaError> {
        let api = with_members(r#"{"name": "Name", "type": "string", "member": "string", "document": "名称"}"#);
        Service::load(ServiceFiles {
            api: SourceFile { name: "svc/api.json", text: &api },
            api_en: Some(SourceFile { name: "svc/api.en.json", text: api_en }),
            examples: None,
            errors: None,
            extensions: Some(SourceFile { name: "svc/extensions.json", text: extensions }),
        })
    }

    #[test]
    fn our_english_fills_the_official_files_gaps_only() {
        let no_english = with_members("");
        let ours = r#"{"actions": {"Do": {"title_en": "Does it"}},
            "objects": {"DoRequest": {"members": {"Name": {"document_en": "Name", "example_en": "a name"}}}}}"#;
        let service = load_with(&no_english, ours).unwrap();
        let member = &service.actions[0].input.members[0];
        assert_eq!((member.doc_en.as_deref(), member.example_en.as_deref()), (Some("Name"), Some("a name")));
        assert_eq!(service.actions[0].title_en.as_deref(), Some("Does it"));

        let official =
            with_members(r#"{"name": "Name", "type": "string", "member": "string", "document": "The name"}"#);
        let error = load_with(&official, ours).unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/extensions.json: structure `DoRequest`, member `Name`, has English in the official api.en.json now: remove ours"
        );

        let unknown = r#"{"objects": {"DoRequest": {"members": {"Nope": {"document_en": "?"}}}}}"#;
        let error = load_with(&no_english, unknown).unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/extensions.json: structure `DoRequest`, member `Nope`: names a member that is not defined"
        );
        let unknown = r#"{"objects": {"Nope": {"members": {}}}}"#;
        assert!(load_with(&no_english, unknown).unwrap_err().to_string().contains("names structure `Nope`"));
        let misspelt = r#"{"objects": {"DoRequest": {"members": {"Name": {"documen_en": "?"}}}}}"#;
        assert!(load_with(&no_english, misspelt).unwrap_err().to_string().contains("unknown field"));
    }

    #[test]
    fn a_valid_service_loads() {
        let service =
            load(&with_members(r#"{"name": "Name", "type": "string", "member": "string", "required": true}"#)).unwrap();
        assert_eq!((service.name.as_str(), service.actions.len(), service.structures.len()), ("svc", 1, 1));
        assert!(service.actions[0].input.members[0].required);
    }
}
