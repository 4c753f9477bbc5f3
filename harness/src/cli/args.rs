//! The command line's own value types: mirrors of library enums (the library derives no
//! `clap` trait), each with a `From` conversion, and the one `--strategy` parser.

use std::ffi::OsStr;
use std::fmt;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser, ValueParserFactory};

use crate::codec::view::DecodeKind;
use crate::pipeline::strategy::Engine;
use crate::pipeline::{Outcome, Strategy};

/// A deployment strategy as every `--strategy` flag reads it: `onpremise`, `ifd` or
/// `passport`, in any case (`OnPremise`, `IFD`, `Passport` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyArg {
    /// `onpremise`: [`Strategy::OnPremise`].
    OnPremise,
    /// `ifd`: [`Strategy::Ifd`].
    Ifd,
    /// `passport`: [`Strategy::Passport`].
    Passport,
}

impl StrategyArg {
    const NAMES: [&'static str; 3] = ["onpremise", "ifd", "passport"];

    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "onpremise" => Some(StrategyArg::OnPremise),
            "ifd" => Some(StrategyArg::Ifd),
            "passport" => Some(StrategyArg::Passport),
            _ => None,
        }
    }
}

impl From<StrategyArg> for Strategy {
    fn from(s: StrategyArg) -> Self {
        match s {
            StrategyArg::OnPremise => Strategy::OnPremise,
            StrategyArg::Ifd => Strategy::Ifd,
            StrategyArg::Passport => Strategy::Passport,
        }
    }
}

/// The parser of [`StrategyArg`]: case-insensitive, listing the lower-case names in help
/// and in clap's usual "invalid value" error.
#[derive(Debug, Clone, Copy)]
pub struct StrategyParser;

impl TypedValueParser for StrategyParser {
    type Value = StrategyArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<StrategyArg, clap::Error> {
        if let Some(s) = value.to_str().and_then(StrategyArg::from_name) {
            return Ok(s);
        }
        // Not a strategy: clap's own error, naming the flag and the possible values.
        let names = PossibleValuesParser::new(StrategyArg::NAMES);
        match names.parse_ref(cmd, arg, value) {
            Err(e) => Err(e),
            Ok(_) => Err(clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd)),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(StrategyArg::NAMES.into_iter().map(PossibleValue::new)))
    }
}

impl ValueParserFactory for StrategyArg {
    type Parser = StrategyParser;
    fn value_parser() -> StrategyParser {
        StrategyParser
    }
}

/// The evaluator (`eval --engine`): mirrors [`Engine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    /// The compiled engine.
    Compiled,
    /// The reference interpreter.
    Reference,
}

impl From<EngineArg> for Engine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Compiled => Engine::Compiled,
            EngineArg::Reference => Engine::Reference,
        }
    }
}

/// What `decode` reads its input as: mirrors [`DecodeKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum DecodeKindArg {
    /// The CRM headers of an envelope.
    Token,
    /// Any envelope: version, header/body names, CRM headers, recognised message.
    Envelope,
    /// A SOAP fault (both readers).
    Fault,
    /// A discovery request or response.
    Discovery,
    /// A `Cookie` header value.
    Cookie,
    /// RPS JSON input (see `codec::rps::RpsInput`).
    Rps,
}

impl From<DecodeKindArg> for DecodeKind {
    fn from(k: DecodeKindArg) -> Self {
        match k {
            DecodeKindArg::Token => DecodeKind::Token,
            DecodeKindArg::Envelope => DecodeKind::Envelope,
            DecodeKindArg::Fault => DecodeKind::Fault,
            DecodeKindArg::Discovery => DecodeKind::Discovery,
            DecodeKindArg::Cookie => DecodeKind::Cookie,
            DecodeKindArg::Rps => DecodeKind::Rps,
        }
    }
}

/// The outcome kind `eval --expect` requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpectKind {
    /// A provider authenticated the request.
    Authenticated,
    /// A provider redirected the client.
    Redirect,
    /// The request was denied.
    Denied,
}

impl ExpectKind {
    /// Whether `outcome` is of this kind (on the typed outcome, not its JSON).
    pub fn matches(self, outcome: &Outcome<'_>) -> bool {
        matches!(
            (self, outcome),
            (ExpectKind::Authenticated, Outcome::Authenticated { .. })
                | (ExpectKind::Redirect, Outcome::Redirect { .. })
                | (ExpectKind::Denied, Outcome::Denied { .. })
        )
    }
}

impl fmt::Display for ExpectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExpectKind::Authenticated => "authenticated",
            ExpectKind::Redirect => "redirect",
            ExpectKind::Denied => "denied",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[arg(long, default_value = "Passport")]
        strategy: StrategyArg,
    }

    #[test]
    fn one_strategy_parser_any_case() {
        for (word, want) in [
            ("onpremise", StrategyArg::OnPremise),
            ("OnPremise", StrategyArg::OnPremise),
            ("ifd", StrategyArg::Ifd),
            ("IFD", StrategyArg::Ifd),
            ("passport", StrategyArg::Passport),
        ] {
            assert_eq!(T::try_parse_from(["t", "--strategy", word]).unwrap().strategy, want);
        }
        assert_eq!(T::try_parse_from(["t"]).unwrap().strategy, StrategyArg::Passport);
        let e = T::try_parse_from(["t", "--strategy", "bogus"]).err().unwrap();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
        assert!(e.to_string().contains("onpremise, ifd, passport"), "{e}");
    }
}
