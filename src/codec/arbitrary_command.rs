//! `Arbitrary` for [`Command<'static>`], valid by construction (feature `arbitrary`).
//!
//! Owns the generator the fuzz targets use. Every generated value `x` satisfies
//! `Command::parse(line(encode(x))) == Ok(x)`: the derive could not promise that, because the
//! validity rules live in the grammar (an [`Command::Unknown`] must not carry a known verb, an
//! EPRT address has no IPv6 flow information or scope id). Must not parse or encode anything
//! itself.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use arbitrary::{Arbitrary, Result, Unstructured};

use super::Command;
use crate::types::{Text, Verb};

/// How many kinds of command the generator chooses from (one per variant).
const KINDS: u8 = 58;

/// A verb that does not decode to a known command (a known one gets an `X` appended, which
/// no known verb of 3 or 4 letters survives).
fn unknown_verb(u: &mut Unstructured<'_>) -> Result<Verb<'static>> {
    let verb: Verb<'static> = u.arbitrary()?;
    if matches!(Command::parse(verb.as_bytes()), Ok(Command::Unknown { .. })) {
        return Ok(verb);
    }
    let mut bytes = verb.as_bytes().to_vec();
    bytes.push(b'X');
    Verb::new(bytes).map_err(|_| arbitrary::Error::IncorrectFormat)
}

/// An EPRT address: IPv4, or IPv6 without flow information and scope id (EPRT carries
/// neither).
fn eprt_address(u: &mut Unstructured<'_>) -> Result<SocketAddr> {
    let ip = if u.arbitrary()? {
        IpAddr::V4(Ipv4Addr::from(u.arbitrary::<[u8; 4]>()?))
    } else {
        IpAddr::V6(Ipv6Addr::from(u.arbitrary::<[u8; 16]>()?))
    };
    Ok(SocketAddr::new(ip, u.arbitrary()?))
}

impl<'a> Arbitrary<'a> for Command<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=KINDS - 1)? {
            0 => Command::User(u.arbitrary()?),
            1 => Command::Pass(u.arbitrary()?),
            2 => Command::Acct(u.arbitrary()?),
            3 => Command::Cwd(u.arbitrary()?),
            4 => Command::Cdup,
            5 => Command::Smnt(u.arbitrary()?),
            6 => Command::Rein,
            7 => Command::Quit,
            8 => Command::Port(SocketAddrV4::new(
                Ipv4Addr::from(u.arbitrary::<[u8; 4]>()?),
                u.arbitrary()?,
            )),
            9 => Command::Pasv,
            10 => Command::Type(u.arbitrary()?),
            11 => Command::Stru(u.arbitrary()?),
            12 => Command::Mode(u.arbitrary()?),
            13 => Command::Retr(u.arbitrary()?),
            14 => Command::Stor(u.arbitrary()?),
            15 => Command::Stou(u.arbitrary()?),
            16 => Command::Appe(u.arbitrary()?),
            17 => Command::Allo(u.arbitrary()?),
            18 => Command::Rest(u.arbitrary()?),
            19 => Command::Rnfr(u.arbitrary()?),
            20 => Command::Rnto(u.arbitrary()?),
            21 => Command::Abor,
            22 => Command::Dele(u.arbitrary()?),
            23 => Command::Rmd(u.arbitrary()?),
            24 => Command::Mkd(u.arbitrary()?),
            25 => Command::Pwd,
            26 => Command::List(u.arbitrary()?),
            27 => Command::Nlst(u.arbitrary()?),
            28 => Command::Site(u.arbitrary()?),
            29 => Command::Syst,
            30 => Command::Stat(u.arbitrary()?),
            31 => Command::Help(u.arbitrary()?),
            32 => Command::Noop,
            33 => Command::Xcwd(u.arbitrary()?),
            34 => Command::Xcup,
            35 => Command::Xmkd(u.arbitrary()?),
            36 => Command::Xrmd(u.arbitrary()?),
            37 => Command::Xpwd,
            38 => Command::Auth(u.arbitrary()?),
            39 => Command::Adat(u.arbitrary()?),
            40 => Command::Prot(u.arbitrary()?),
            41 => Command::Pbsz(u.arbitrary()?),
            42 => Command::Ccc,
            43 => Command::Mic(u.arbitrary()?),
            44 => Command::Conf(u.arbitrary()?),
            45 => Command::Enc(u.arbitrary()?),
            46 => Command::Feat,
            47 => Command::Opts(u.arbitrary()?),
            48 => Command::Eprt(eprt_address(u)?),
            49 => Command::Epsv(u.arbitrary()?),
            50 => Command::Size(u.arbitrary()?),
            51 => Command::Mdtm(u.arbitrary()?),
            52 => Command::Mlst(u.arbitrary()?),
            53 => Command::Mlsd(u.arbitrary()?),
            54 => Command::Mfmt(u.arbitrary()?, u.arbitrary()?),
            55 => Command::Host(u.arbitrary()?),
            56 => Command::Lang(u.arbitrary()?),
            _ => Command::Unknown {
                verb: unknown_verb(u)?,
                argument: u.arbitrary::<Option<Text<'static>>>()?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_command;
    use alloc::vec::Vec;

    /// Every generated command re-decodes to itself, and every kind is reachable.
    #[test]
    fn generated_commands_round_trip() {
        let mut seen = [false; KINDS as usize];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let raw: Vec<u8> = (0..96)
                .map(|_| {
                    // xorshift64: deterministic, no dependency.
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8
                })
                .collect();
            let mut u = Unstructured::new(&raw);
            let Ok(command) = Command::arbitrary(&mut u) else {
                continue;
            };
            let mut line = Vec::new();
            command.encode(&mut line);
            let (rest, back) = decode_command(&line).expect("decodes");
            assert!(rest.is_empty());
            assert_eq!(back, command, "{}", line.escape_ascii());
            let verb = command.verb();
            if let Some(i) = [
                "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV",
                "TYPE", "STRU", "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR",
                "RNTO", "ABOR", "DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SITE", "SYST",
                "STAT", "HELP", "NOOP", "XCWD", "XCUP", "XMKD", "XRMD", "XPWD", "AUTH", "ADAT",
                "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC", "FEAT", "OPTS", "EPRT", "EPSV",
                "SIZE", "MDTM", "MLST", "MLSD", "MFMT", "HOST", "LANG",
            ]
            .iter()
            .position(|v| *v == verb)
            {
                seen[i] = true;
            } else {
                seen[KINDS as usize - 1] = true;
            }
        }
        assert!(seen.iter().all(|s| *s), "{seen:?}");
    }
}
