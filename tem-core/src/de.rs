//! Lenient decoding for what servers really send.
//!
//! Generated types name these functions in `#[serde(deserialize_with = ...)]`, so one
//! implementation here serves every field of every service:
//! - numbers and booleans also arrive as strings (`"TotalBatchCount": "2"`);
//! - strings also arrive as numbers or booleans;
//! - `null` arrives where the schema promises a value: it becomes the type's default
//!   (`0`, `""`, `false`, an empty list) for required members and `None` for optional ones.
//!
//! What cannot be read sanely (a string that is not a number where a number is due, an
//! object where a string is due) is still an error, which names the field's path.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, Error, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;

/// A type with a lenient decoding; see the module docs.
pub trait Lenient: Sized {
    /// Reads `Self` from a value of the expected shape or of a tolerated other one.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// `deserialize_with` target for scalars, lists of scalars and their `Option`s.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_lenient(deserializer)
}

/// `deserialize_with` target for required structures and lists of structures: `null` becomes
/// the default value.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

macro_rules! integer {
    ($ty:ty, $expecting:literal) => {
        impl Lenient for $ty {
            fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_i64<E: Error>(self, v: i64) -> Result<$ty, E> {
                        <$ty>::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
                    }
                    fn visit_u64<E: Error>(self, v: u64) -> Result<$ty, E> {
                        <$ty>::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
                    }
                    fn visit_f64<E: Error>(self, v: f64) -> Result<$ty, E> {
                        // 3.0 is an integer written oddly; 3.5 is not an integer.
                        let fits = v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64;
                        if fits {
                            Ok(v as $ty)
                        } else {
                            Err(E::invalid_value(Unexpected::Float(v), &self))
                        }
                    }
                    fn visit_str<E: Error>(self, v: &str) -> Result<$ty, E> {
                        let trimmed = v.trim();
                        if trimmed.is_empty() {
                            return Ok(0);
                        }
                        trimmed.parse().map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
                    }
                    fn visit_unit<E: Error>(self) -> Result<$ty, E> {
                        Ok(0)
                    }
                    fn visit_none<E: Error>(self) -> Result<$ty, E> {
                        Ok(0)
                    }
                }
                deserializer.deserialize_any(V)
            }
        }
    };
}

integer!(i64, "an integer, or a string holding one");
integer!(u64, "a non-negative integer, or a string holding one");

impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<f64, E> {
                let trimmed = v.trim();
                if trimmed.is_empty() {
                    return Ok(0.0);
                }
                match trimmed.parse::<f64>() {
                    Ok(n) if n.is_finite() => Ok(n),
                    _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
                }
            }
            fn visit_unit<E: Error>(self) -> Result<f64, E> {
                Ok(0.0)
            }
            fn visit_none<E: Error>(self) -> Result<f64, E> {
                Ok(0.0)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean, 0 or 1, or a string holding one")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<bool, E> {
                match v.trim() {
                    "true" | "True" | "TRUE" | "1" => Ok(true),
                    "false" | "False" | "FALSE" | "0" | "" => Ok(false),
                    _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
                }
            }
            fn visit_unit<E: Error>(self) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_none<E: Error>(self) -> Result<bool, E> {
                Ok(false)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E: Error>(self) -> Result<String, E> {
                Ok(String::new())
            }
            fn visit_none<E: Error>(self) -> Result<String, E> {
                Ok(String::new())
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<T: Lenient> Lenient for Option<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient> Visitor<'de> for V<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
                T::deserialize_lenient(d).map(Some)
            }
        }
        deserializer.deserialize_option(V(PhantomData))
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Element<T>(PhantomData<T>);
        impl<'de, T: Lenient> DeserializeSeed<'de> for Element<T> {
            type Value = T;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
                T::deserialize_lenient(d)
            }
        }
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient> Visitor<'de> for V<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list or null")
            }
            fn visit_none<E: Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_unit<E: Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
                d.deserialize_seq(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                // Cap the preallocation: a hostile size hint must not reserve unbounded memory.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element_seed(Element(PhantomData))? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_option(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "lenient")]
        count: i64,
        #[serde(default, deserialize_with = "lenient")]
        size: Option<u64>,
        #[serde(default, deserialize_with = "lenient")]
        ratio: f64,
        #[serde(default, deserialize_with = "lenient")]
        force: bool,
        #[serde(default, deserialize_with = "lenient")]
        name: String,
        #[serde(default, deserialize_with = "lenient")]
        ports: Vec<i64>,
        #[serde(default, deserialize_with = "lenient")]
        tags: Option<Vec<String>>,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_and_booleans_in_strings_are_read() {
        let p = probe(r#"{"count":"2","size":"18446744073709551615","ratio":"0.5","force":"true","ports":["80",443]}"#)
            .unwrap();
        assert_eq!((p.count, p.size, p.ratio, p.force), (2, Some(u64::MAX), 0.5, true));
        assert_eq!(p.ports, vec![80, 443]);
    }

    #[test]
    fn null_becomes_default_or_none() {
        let p = probe(r#"{"count":null,"size":null,"ratio":null,"force":null,"name":null,"ports":null,"tags":null}"#)
            .unwrap();
        assert_eq!(p, Probe::default());
    }

    #[test]
    fn missing_fields_take_defaults() {
        assert_eq!(probe("{}").unwrap(), Probe::default());
    }

    #[test]
    fn numbers_where_strings_are_due_are_read_as_text() {
        let p = probe(r#"{"name":12,"tags":[1,true,"x"]}"#).unwrap();
        assert_eq!(p.name, "12");
        assert_eq!(p.tags, Some(vec!["1".into(), "true".into(), "x".into()]));
    }

    #[test]
    fn insane_values_are_errors_naming_what_was_expected() {
        let err = probe(r#"{"count":"two"}"#).unwrap_err().to_string();
        assert!(err.contains("expected an integer, or a string holding one"), "{err}");
        assert!(probe(r#"{"count":1.5}"#).is_err());
        assert!(probe(r#"{"size":-1}"#).is_err());
        assert!(probe(r#"{"force":"yes"}"#).is_err());
        assert!(probe(r#"{"name":{"a":1}}"#).is_err());
        assert!(probe(r#"{"ratio":"NaN"}"#).is_err());
    }
}
