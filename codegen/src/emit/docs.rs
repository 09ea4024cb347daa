//! Documentation: the schema's prose made into rustdoc that passes its lints, as `#[doc]`
//! attributes.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// Chinese documentation, then the English where it exists and differs.
pub(super) fn bilingual(zh: &str, en: Option<&str>) -> String {
    match en {
        Some(en) if !en.trim().is_empty() && en.trim() != zh.trim() => format!("{}\n\n{}", zh.trim(), en.trim()),
        _ => zh.trim().to_owned(),
    }
}

pub(super) fn first_line(text: &str) -> String {
    doc_text(text).lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned()
}

/// Documentation text made safe for rustdoc: no indented or fenced code blocks (they would
/// become doctests), no stray carriage returns, and no rustdoc lint (see [`doc_line`]).
pub(super) fn doc_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        // Tabs: clippy's `tabs_in_doc_comments`.
        .map(|l| doc_line(&l.trim_start().replace("```", "'''").replace('\t', "    ")))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// One line of documentation with the schema's prose made lint-free outside code spans: a
/// bracket is escaped (`[0,100]` is no intra-doc link) unless it is one of ours (`` [`X`] ``,
/// `` [`X`](path) ``), and a bare URL becomes an autolink `<https://…>`.
fn doc_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let ahead: String = chars[i..chars.len().min(i + 8)].iter().collect();
        let after_opener = i > 0 && matches!(chars[i - 1], '<' | '(');
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            _ if in_code => out.push(c),
            // A Markdown link to a web page stays as it is.
            '[' if web_link_end(&chars, i).is_some() => {
                let end = web_link_end(&chars, i).unwrap_or(i);
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '[' if chars.get(i + 1) != Some(&'`') => out.push_str("\\["),
            ']' if i == 0 || chars[i - 1] != '`' => out.push_str("\\]"),
            'h' if (ahead.starts_with("http://") || ahead.starts_with("https://")) && !after_opener => {
                let end = (i..chars.len())
                    .find(|&j| {
                        let c = chars[j];
                        c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"' | '\'' | ')' | '`')
                    })
                    .unwrap_or(chars.len());
                let url: String = chars[i..end].iter().collect();
                let url = url.trim_end_matches(['.', ',', ';', ':']);
                out.push('<');
                out.push_str(url);
                out.push('>');
                i += url.chars().count();
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// The end of the Markdown link `[text](http…)` starting at `start`, if one does.
fn web_link_end(chars: &[char], start: usize) -> Option<usize> {
    let close = start + chars[start..].iter().position(|&c| c == ']')?;
    let target: String = chars.get(close + 1..)?.iter().collect();
    if chars[start + 1..close].contains(&'[') || !(target.starts_with("(http://") || target.starts_with("(https://")) {
        return None;
    }
    let paren = close + 1 + chars[close + 1..].iter().position(|&c| c == ')')?;
    Some(paren + 1)
}

/// `#[doc]` attributes, one a line so prettyplease prints them as `///` comments.
pub(super) fn doc_attrs(text: &str) -> TokenStream {
    doc_lines(text).map(|line| quote!(#[doc = #line])).collect()
}

/// `#![doc]` attributes: the module's own documentation.
pub(super) fn doc_inner(text: &str) -> TokenStream {
    doc_lines(text).map(|line| quote!(#![doc = #line])).collect()
}

fn doc_lines(text: &str) -> impl Iterator<Item = Literal> {
    let text = doc_text(text);
    text.lines()
        .map(|l| Literal::string(&if l.is_empty() { String::new() } else { format!(" {l}") }))
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::doc_line;

    #[test]
    fn doc_lines_of_the_schema_pass_rustdoc_lints() {
        let cases = [
            // Brackets of prose are escaped; ours (links to items) are kept.
            ("取值[0,100]", "取值\\[0,100\\]"),
            ("the request [`Foo`] and [`Bar`](crate::Bar)", "the request [`Foo`] and [`Bar`](crate::Bar)"),
            // Nothing changes inside a code span.
            ("Example: `[\"a\",\"b\"]` and `https://x.y`", "Example: `[\"a\",\"b\"]` and `https://x.y`"),
            // Bare URLs become autolinks, without trailing punctuation or the next sentence.
            ("see https://cloud.tencent.com/document/1.", "see <https://cloud.tencent.com/document/1>."),
            ("链接：https://cloud.tencent.com/a/77930。后", "链接：<https://cloud.tencent.com/a/77930>。后"),
            ("already <https://a.b/c>", "already <https://a.b/c>"),
            // Markdown links to web pages stay links; others are escaped.
            (
                "通过[获取列表](https://cloud.tencent.com/x#a.b)获取",
                "通过[获取列表](https://cloud.tencent.com/x#a.b)获取",
            ),
            ("[a](b) [c]", "\\[a\\](b) \\[c\\]"),
        ];
        for (input, expected) in cases {
            assert_eq!(doc_line(input), expected, "{input}");
        }
    }
}
