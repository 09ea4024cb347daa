//! Requests in the other forms of the official SDKs: `multipart/form-data` for actions with
//! `binary` members (the official SDKs' `IsMultipart` and `BinaryParams`), and `GET` with the
//! parameters flattened into the query (`Filters.0.Name=…`), each signed TC3-HMAC-SHA256 as
//! the official SDKs sign it. Pure functions, so tests compare them with vectors made by the
//! official Python SDK (`tests/data/multipart-vectors.json`).
//!
//! The multipart body follows the Python SDK's `_get_multipart_body`: one part per top-level
//! member in declaration order; a binary member is a file part named after itself; a list or
//! structure is JSON (as Python's `json.dumps` writes it) with `Content-Type: application/json`;
//! other values are their text. (Python fails on a number or boolean part; they are sent as
//! their JSON text here.)

use std::fmt;
use std::io;

use serde::ser::{self, Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::signing::{self, Signature, SigningInput};

/// The content type of multipart requests, before `; boundary=…`.
pub const MULTIPART_CONTENT_TYPE: &str = "multipart/form-data";
/// The content type of `GET` requests, as the official SDKs sign it.
pub const GET_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// How a request travels.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RequestForm {
    /// `POST` with a JSON body, the default.
    #[default]
    Json,
    /// `POST` with a `multipart/form-data` body: actions with `binary` members.
    Multipart,
    /// `GET` with the parameters in the query, when asked for (`CallOptions::with_get`).
    Get,
}

/// One part of a multipart body.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Json(String),
    File(Vec<u8>),
}

/// The multipart body of `request` with `boundary`; the content type to send and sign is
/// `multipart/form-data; boundary=<boundary>`.
pub fn multipart_body<T: Serialize + ?Sized>(request: &T, boundary: &str) -> Result<Vec<u8>, FormError> {
    let parts = request.serialize(TopLevel)?;
    let mut body = Vec::new();
    for (name, part) in &parts {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        let value: &[u8] = match part {
            Part::File(bytes) => {
                body.extend_from_slice(format!("; filename=\"{name}\"\r\n").as_bytes());
                bytes
            }
            Part::Json(json) => {
                body.extend_from_slice(b"\r\nContent-Type: application/json\r\n");
                json.as_bytes()
            }
            Part::Text(text) => {
                body.extend_from_slice(b"\r\n");
                text.as_bytes()
            }
        };
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    if !parts.is_empty() {
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    }
    Ok(body)
}

/// The `GET` query of a JSON request body: its parameters flattened as the official SDKs do
/// (`Filters.0.Name=…`) and form-encoded.
pub fn get_query(json_body: &[u8]) -> Result<String, FormError> {
    let params = signing::legacy::flatten_params(json_body).map_err(|e| FormError(e.to_string()))?;
    Ok(signing::legacy::form_urlencode(&params))
}

/// TC3-HMAC-SHA256 of a `GET /?<query>` request, as the official SDKs sign it: the query is
/// the canonical query string, the payload is empty, the content type
/// [`GET_CONTENT_TYPE`].
pub fn sign_get(input: &SigningInput<'_>, query: &str, secret_id: &str, secret_key: &str) -> Signature {
    signing::sign(&input.with_get_query(query), secret_id, secret_key)
}

/// The boundary of a multipart body: 32 hex digits, as the Python SDK's `uuid4().hex`, drawn
/// from `random`.
pub fn boundary(random: u128) -> String {
    format!("{random:032x}")
}

/// A request that cannot be put in the asked form: not a structure, or a member that cannot be
/// a part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError(String);

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormError {}

impl ser::Error for FormError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// `binary` members: bytes, written into JSON as text (lossy UTF-8) and into a multipart body
/// as a file part. For `#[serde(with = "::tem_core::multipart::binary")]`.
pub mod binary {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes bytes: a file part for the multipart form, text elsewhere.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&String::from_utf8_lossy(bytes))
        } else {
            serializer.serialize_bytes(bytes)
        }
    }

    /// Reads bytes from a string (or null, as empty).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        Ok(Option::<String>::deserialize(deserializer)?.map(String::into_bytes).unwrap_or_default())
    }

    /// The same for optional members.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serializes `Some` bytes as [`binary::serialize`](crate::multipart::binary::serialize);
        /// `None` is skipped by the field's `skip_serializing_if`.
        pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
            match bytes {
                Some(bytes) => crate::call::multipart::binary::serialize(bytes, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Reads bytes from a string; null or absent is `None`.
        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
            Ok(Option::<String>::deserialize(deserializer)?.map(String::into_bytes))
        }
    }
}

/// Collects a request's top-level members as parts.
struct TopLevel;

struct Parts(Vec<(String, Part)>);

impl Parts {
    fn push<T: Serialize + ?Sized>(&mut self, name: String, value: &T) -> Result<(), FormError> {
        match value.serialize(Scalar) {
            Ok(Some(part)) => self.0.push((name, part)),
            Ok(None) => {}
            // A list or structure: JSON, as Python's `json.dumps` writes it.
            Err(Unsupported) => self.0.push((name, Part::Json(python_json(value)?))),
        }
        Ok(())
    }
}

fn python_json<T: Serialize + ?Sized>(value: &T) -> Result<String, FormError> {
    let mut out = Vec::new();
    value
        .serialize(&mut serde_json::Serializer::with_formatter(&mut out, PythonFormatter))
        .map_err(|e| FormError(e.to_string()))?;
    String::from_utf8(out).map_err(|e| FormError(e.to_string()))
}

/// `json.dumps` defaults: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// A value that is not a scalar part.
#[derive(Debug)]
struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a scalar")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

/// The methods of a serializer that refuses anything but a structure or map.
macro_rules! not_a_structure {
    ($($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(
            fn $name(self, $(_: $arg),*) -> Result<$ret, FormError> {
                Err(not_a_structure())
            }
        )*
    };
}

impl Serializer for TopLevel {
    type Ok = Vec<(String, Part)>;
    type Error = FormError;
    type SerializeSeq = ser::Impossible<Self::Ok, FormError>;
    type SerializeTuple = ser::Impossible<Self::Ok, FormError>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, FormError>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, FormError>;
    type SerializeMap = MapParts;
    type SerializeStruct = Parts;
    type SerializeStructVariant = ser::Impossible<Self::Ok, FormError>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Parts, FormError> {
        Ok(Parts(Vec::with_capacity(len)))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapParts, FormError> {
        Ok(MapParts { parts: Parts(Vec::with_capacity(len.unwrap_or(0))), key: None })
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, FormError> {
        Ok(Vec::new())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, FormError> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, FormError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, FormError> {
        Err(not_a_structure())
    }

    not_a_structure! {
        serialize_bool(bool) -> Self::Ok;
        serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok;
        serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok;
        serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok;
        serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok;
        serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok;
        serialize_char(char) -> Self::Ok;
        serialize_str(&str) -> Self::Ok;
        serialize_bytes(&[u8]) -> Self::Ok;
        serialize_none() -> Self::Ok;
        serialize_unit() -> Self::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

fn not_a_structure() -> FormError {
    FormError("a request to send as a form must be a structure".into())
}

impl SerializeStruct for Parts {
    type Ok = Vec<(String, Part)>;
    type Error = FormError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), FormError> {
        self.push(key.to_owned(), value)
    }

    fn end(self) -> Result<Self::Ok, FormError> {
        Ok(self.0)
    }
}

struct MapParts {
    parts: Parts,
    key: Option<String>,
}

impl SerializeMap for MapParts {
    type Ok = Vec<(String, Part)>;
    type Error = FormError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), FormError> {
        match key.serialize(Scalar) {
            Ok(Some(Part::Text(key))) => {
                self.key = Some(key);
                Ok(())
            }
            _ => Err(FormError("a member name is not a string".into())),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FormError> {
        let key = self.key.take().ok_or_else(|| FormError("a value without a name".into()))?;
        self.parts.push(key, value)
    }

    fn end(self) -> Result<Self::Ok, FormError> {
        Ok(self.parts.0)
    }
}

/// A member's part: text of a scalar, a file of bytes, nothing for `None`; `Unsupported` for a
/// list or structure (written as JSON instead).
struct Scalar;

impl Serializer for Scalar {
    type Ok = Option<Part>;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTuple = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeMap = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeStruct = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Unsupported>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(v.to_string())))
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(v.to_string())))
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(v.to_string())))
    }
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, Unsupported> {
        serde_json::to_string(&v).map(|text| Some(Part::Text(text))).map_err(|_| Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::File(v.to_vec())))
    }
    fn serialize_none(self) -> Result<Self::Ok, Unsupported> {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, Unsupported> {
        Ok(None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, Unsupported> {
        Ok(None)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Self::Ok, Unsupported> {
        Ok(Some(Part::Text(variant.to_owned())))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}
