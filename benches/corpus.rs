//! A reproducible corpus of Norwegian-looking text with planted identifiers and decoys.
//!
//! Shared by the benchmarks (`benches/scan.rs`), the corpus writer
//! (`examples/gen_corpus.rs`) and the recall test (`tests/corpus_recall.rs`), each of which
//! includes this file with `#[path]`. Standard library only; the same seed always gives the
//! same bytes.
//!
//! The text is bokmål prose, `;`-separated CSV and log lines, with one planted identifier per
//! ~2 KB in the ways people write them, and decoys that must not be reported (fnr-shaped numbers
//! with a wrong control digit or an impossible date, long KID numbers, 14-digit timestamps,
//! IPs, amounts, 8xx numbers, `logo@2x.png`, Message-ID headers …). [`Manifest`] counts what
//! sporhund should report, per rule and kind, exactly; values the engine finds below the
//! default `--min-confidence` (a synthetic number wrapped over a line) are counted apart.
//! By bytes the text is about 70 % prose, 15 % CSV and 15 % logs; 13 % of bytes are digits.
//!
//! Test-data policy (spec §7.3): every planted fødselsnummer is a Skatteetaten/Tenor synthetic
//! number (month + 80, some also D-numbers with day + 40) with legacy control digits, so none
//! can be a real person's. Card numbers are the card networks' published test numbers.
//!
//! How exactness is kept: filler text never contains a context keyword of a rule that can need
//! one, and never a digit cluster that a rule accepts without context (digit runs stay below 8
//! digits, except dates, which the phone rule only takes next to a phone keyword). Every planted
//! value or decoy sits in its own unit between two keyword- and digit-free sentences longer
//! than any rule's context window, so keywords of one unit never reach numbers of another.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Version of the generator; bump it when the output for a seed changes.
pub const GENERATOR: &str = "sporhund corpus v2";

/// sporhund's default `--min-confidence`.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// The built-in rules and their report categories.
pub const RULES: [(&str, &str); 8] = [
    (FNR, "national_id"),
    (ACCOUNT, "bank_account"),
    (IBAN, "iban"),
    (ORGNR, "org_number"),
    (PHONE, "phone"),
    (EMAIL, "email"),
    (EMAIL_OBFUSCATED, "email"),
    (CARD, "payment_card"),
];

pub const FNR: &str = "no.fnr";
pub const ACCOUNT: &str = "no.account";
pub const IBAN: &str = "no.iban";
pub const ORGNR: &str = "no.orgnr";
pub const PHONE: &str = "no.phone";
pub const EMAIL: &str = "email";
pub const EMAIL_OBFUSCATED: &str = "email.obfuscated";
pub const CARD: &str = "payment_card";

// ---------------------------------------------------------------------------------------------
// PRNG

/// splitmix64: tiny, fast, and good enough for text generation.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` < 2³²).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn digit(&mut self) -> u8 {
        self.below(10) as u8
    }
}

/// The seed of file `index` of a corpus with seed `seed`.
pub fn file_seed(seed: u64, index: u64) -> u64 {
    Rng::new(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

// ---------------------------------------------------------------------------------------------
// Check digits

pub const FNR_W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
/// Also the kontonummer weights.
pub const FNR_W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
pub const ORGNR_W: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// MOD11 control digit (11 → 0); `None` when it would be 10.
pub fn mod11(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    match (11 - sum % 11) % 11 {
        10 => None,
        k => Some(k as u8),
    }
}

pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = 2 * d;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The digit that makes `payload` + digit Luhn-valid.
pub fn luhn_digit(payload: &[u8]) -> u8 {
    let mut d = payload.to_vec();
    d.push(0);
    (0..10)
        .find(|&c| {
            d[payload.len()] = c;
            luhn_valid(&d)
        })
        .unwrap()
}

pub fn days_in_month(month: usize, yy: usize) -> usize {
    match month {
        2 if yy.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// True when 8 digits read as DDMMYYYY or YYYYMMDD (sporhund's phone validator's date test).
pub fn looks_like_date(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| d[a..b].iter().fold(0usize, |x, &y| x * 10 + y as usize);
    let ok = |day: usize, month: usize, year: usize| {
        (1800..=2199).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(month, year % 100)).contains(&day)
    };
    ok(n(0, 2), n(2, 4), n(4, 8)) || ok(n(6, 8), n(4, 6), n(0, 4))
}

/// The 11 digits with date part `dd mm yy`, a random individnummer and legacy control digits
/// (first control remainder 0, so not a 2032-rule number).
fn with_control_digits(rng: &mut Rng, dd: usize, mm: usize, yy: usize) -> [u8; 11] {
    loop {
        let mut d = [
            (dd / 10) as u8,
            (dd % 10) as u8,
            (mm / 10) as u8,
            (mm % 10) as u8,
            (yy / 10) as u8,
            (yy % 10) as u8,
            rng.digit(),
            rng.digit(),
            rng.digit(),
            0,
            0,
        ];
        let Some(k1) = mod11(&d[..9], &FNR_W1) else {
            continue;
        };
        d[9] = k1;
        let Some(k2) = mod11(&d[..10], &FNR_W2) else {
            continue;
        };
        d[10] = k2;
        return d;
    }
}

/// A Skatteetaten/Tenor synthetic fødselsnummer (month + 80), a D-number too (day + 40) when
/// `d_number`. Synthetic by construction: no real person has one.
pub fn tenor_number(rng: &mut Rng, d_number: bool) -> [u8; 11] {
    let yy = rng.below(100);
    let month = rng.range(1, 12);
    let day = rng.range(1, days_in_month(month, yy));
    let dd = if d_number { day + 40 } else { day };
    with_control_digits(rng, dd, month + 80, yy)
}

/// A fødselsnummer-shaped number with valid control digits and a date that does not exist
/// (day 0, 30/31 in a short month, 29.02 in a non-leap year, day 32–39, month 13), in plain,
/// D, H (+40) or Tenor (+80) encoding. Never starts with 8 or 9 (that would be an FH-number).
pub fn bad_date_number(rng: &mut Rng) -> [u8; 11] {
    let mut yy = rng.below(100);
    let (day, month) = match rng.below(6) {
        0 => (0, rng.range(1, 12)),
        1 => (31, rng.pick(&[4, 6, 9, 11])),
        2 => (30, 2),
        3 => {
            yy = 4 * rng.below(25) + rng.range(1, 3);
            (29, 2)
        }
        4 => (rng.range(32, 39), rng.range(1, 12)),
        _ => (rng.range(1, 28), 13),
    };
    let dd = if rng.percent(25) { day + 40 } else { day };
    let mm = month + rng.pick(&[0, 40, 80]);
    with_control_digits(rng, dd, mm, yy)
}

/// A kontonummer: bank registration number, account group, running number, MOD11 check.
pub fn kontonummer(rng: &mut Rng) -> [u8; 11] {
    const BANKS: [&str; 12] = [
        "1503", "1506", "1607", "2801", "3000", "3201", "6011", "8601", "9710", "1254", "4202",
        "1822",
    ];
    loop {
        let mut d = [0u8; 11];
        for (i, b) in rng.pick(&BANKS).bytes().enumerate() {
            d[i] = b - b'0';
        }
        for x in &mut d[4..10] {
            *x = rng.digit();
        }
        if let Some(k) = mod11(&d[..10], &FNR_W2) {
            d[10] = k;
            return d;
        }
    }
}

/// `NO` + check digits for a kontonummer.
pub fn iban_for(account: &[u8; 11]) -> String {
    let mut rem = 0u32;
    for &d in account.iter().chain(&[2, 3, 2, 4, 0, 0]) {
        rem = (rem * 10 + u32::from(d)) % 97;
    }
    format!("NO{:02}{}", 98 - rem, digit_string(account))
}

/// An organisasjonsnummer: 8 or 9, seven digits, MOD11 check.
pub fn orgnr(rng: &mut Rng) -> [u8; 9] {
    loop {
        let mut d = [0u8; 9];
        d[0] = if rng.percent(50) { 8 } else { 9 };
        for x in &mut d[1..8] {
            *x = rng.digit();
        }
        if let Some(k) = mod11(&d[..8], &ORGNR_W) {
            d[8] = k;
            return d;
        }
    }
}

/// An 8-digit mobile (4x, 9x) or fixed-line (2x–3x, 50–57, 6x–7x) number; fixed numbers that
/// read as a date are avoided (sporhund rightly wants a phone keyword for those).
pub fn phone_number(rng: &mut Rng, mobile: bool) -> [u8; 8] {
    loop {
        let mut d = [0u8; 8];
        if mobile {
            d[0] = if rng.percent(50) { 4 } else { 9 };
            d[1] = rng.digit();
        } else {
            let p = rng.pick(&[2, 3, 5, 6, 7]);
            d[0] = p;
            d[1] = if p == 5 {
                rng.below(8) as u8
            } else {
                rng.digit()
            };
        }
        for x in &mut d[2..] {
            *x = rng.digit();
        }
        if !looks_like_date(&d) {
            return d;
        }
    }
}

/// Published test card numbers (Visa, Mastercard, Amex, Discover) and their brands.
pub const TEST_CARDS: [(&str, &str); 12] = [
    ("4111111111111111", "visa"),
    ("4012888888881881", "visa"),
    ("4242424242424242", "visa"),
    ("4000056655665556", "visa"),
    ("5555555555554444", "mastercard"),
    ("5105105105105100", "mastercard"),
    ("2223003122003222", "mastercard"),
    ("5200828282828210", "mastercard"),
    ("378282246310005", "amex"),
    ("371449635398431", "amex"),
    ("6011111111111117", "discover"),
    ("6011000990139424", "discover"),
];

pub fn digits_of(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

pub fn digit_string(d: &[u8]) -> String {
    d.iter().map(|&x| char::from(b'0' + x)).collect()
}

/// `d` split into groups of the given lengths, joined by `sep`.
pub fn grouped(d: &[u8], groups: &[usize], sep: &str) -> String {
    let mut out = String::with_capacity(d.len() + groups.len() * sep.len());
    let mut at = 0;
    for (i, &g) in groups.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&digit_string(&d[at..at + g]));
        at += g;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Vocabulary. None of it is a context keyword of a rule that can need one (checked by
// tests/corpus_recall.rs), none of it contains a digit or '@'.

#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "Ole", "Kari", "Jan", "Per", "Bjørn", "Lars", "Kjell", "Knut", "Arne", "Anne", "Inger", "Marit",
    "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde", "Nina", "Sigrid", "Håkon",
    "Jørgen", "Øystein", "Åse", "Solveig", "Terje", "Geir", "Trond", "Ståle", "Tove", "Randi",
    "Gunnar", "Odd", "Svein", "Hans", "Martin", "Emma", "Nora", "Sofie", "Jakob", "Emil", "Noah",
    "Ella", "Maja", "Ingeborg", "Åsmund", "Sindre", "Tuva", "Frøydis", "Kåre", "Jøran", "Mathias",
    "Henrik", "Ida", "Thea", "Sondre", "Eirik", "Torbjørn", "Ragnhild",
];

#[rustfmt::skip]
pub const SURNAMES: &[&str] = &[
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund",
    "Sørensen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen",
    "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen", "Lie", "Amundsen", "Nygård",
    "Sæther", "Ødegård", "Bøe", "Næss", "Rønning", "Aas", "Myhre", "Haugland", "Sandvik", "Brekke",
    "Tveit", "Aune", "Lunde", "Solheim", "Holm", "Løvås", "Grønlie",
];

#[rustfmt::skip]
pub const STREETS: &[&str] = &[
    "Storgata", "Kirkegata", "Strandveien", "Parkveien", "Skolegata", "Dronningens gate",
    "Kongens gate", "Sjøgata", "Fjordveien", "Åsveien", "Bjørnstjerne Bjørnsons gate",
    "Haraldsgata", "Øvre Slottsgate", "Trondheimsveien", "Bogstadveien", "Møllergata",
    "Nedre Vollgate", "Løkkeveien", "Granåsen", "Bakkegata", "Jernbanegata", "Solbakken",
    "Kjøpmannsgata", "Sørlandsveien", "Lillevegen", "Tømmerholtet",
];

#[rustfmt::skip]
pub const PLACES: &[(&str, &str)] = &[
    ("0150", "Oslo"), ("0557", "Oslo"), ("5003", "Bergen"), ("5014", "Bergen"),
    ("7010", "Trondheim"), ("9008", "Tromsø"), ("4006", "Stavanger"), ("3015", "Drammen"),
    ("1607", "Fredrikstad"), ("2317", "Hamar"), ("8006", "Bodø"), ("6002", "Ålesund"),
    ("4610", "Kristiansand"), ("2609", "Lillehammer"), ("3510", "Hønefoss"), ("1530", "Moss"),
    ("3616", "Kongsberg"), ("6800", "Førde"), ("9600", "Hammerfest"), ("8300", "Svolvær"),
    ("2815", "Gjøvik"), ("7600", "Levanger"), ("1440", "Drøbak"),
];

#[rustfmt::skip]
pub const COMPANIES: &[&str] = &[
    "Nordlys Regnskap AS", "Fjellstad Bygg AS", "Havbris Eiendom AS", "Sørli Transport AS",
    "Blåbær Design AS", "Ødegård Maskin AS", "Fjordlys Energi AS", "Vestvik Fiskeri AS",
    "Grønnåsen Barnehage SA", "Ås Elektro AS",
];

#[rustfmt::skip]
pub const MONTHS: [&str; 12] = [
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
    "november", "desember",
];

#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "og", "i", "på", "for", "med", "som", "er", "det", "en", "et", "av", "vi", "har", "ikke",
    "skal", "kan", "når", "etter", "før", "også", "mellom", "under", "over", "uten", "hele", "noen",
    "alle", "disse", "denne", "dette", "saken", "møtet", "søknaden", "årsrapporten", "økonomien",
    "vedtaket", "høringen", "prosjektet", "avdelingen", "ledelsen", "styret", "utvalget",
    "kommunen", "fylket", "tjenesten", "leveransen", "fremdriften", "ansvaret", "gjennomgangen",
    "oppfølgingen", "planen", "budsjettet", "regnskapet", "referatet", "innkallingen", "vedlegget",
    "rapporten", "avtalen", "endringen", "bestillingen", "leverandøren", "kunden", "eleven",
    "læreren", "skolen", "barnehagen", "biblioteket", "brannstasjonen", "vedlikeholdet", "tilsynet",
    "byggesaken", "reguleringsplanen", "innbyggerne", "frivillige", "laget", "foreningen",
    "dugnaden", "sommeren", "vinteren", "høsten", "våren", "uken", "dagen", "måneden", "året",
    "kvartalet", "tilbudet", "anbudet", "kontrakten", "innkjøpet", "lageret", "varene",
    "leveringen", "frakten", "gjennomføringen", "særskilt", "fjellet", "fjorden", "båten", "brygga",
    "grønn", "rød", "blå", "hvit", "stor", "liten", "ny", "gammel", "første", "siste", "viktig",
    "nødvendig", "tilgjengelig", "fortløpende", "snarest", "dessverre", "gjerne", "takk", "hilsen",
    "vennlig", "øke", "redusere", "behandle", "vurdere", "godkjenne", "sende", "motta", "følge",
    "opp", "gå", "gjennom", "ferdigstille", "utsette", "bekrefte", "skrive", "lese", "svare",
    "forberede", "løse", "mål", "tiltak", "område", "ressurser", "kapasitet", "ønsker", "mulig",
    "særlig", "tydelig", "rask", "grundig", "blåbærsyltetøy", "rømmegrøt", "smørbrød", "kjøkkenet",
    "pølser", "vaffel", "kaffe", "ærlig", "fjøs", "søppel", "strøm", "vær", "skjønt", "kjære",
    "brønn", "tørr", "fersk", "småbåthavn", "østlandet", "sørlandet", "trøndelag", "nordlendinger",
    "påske", "juleavslutning", "skiløype", "hytta", "seter", "bålpanne", "fiskevær", "tjeneste",
    "oppgave", "rutine", "dokumentasjon", "sjekkliste", "arkivet",
];

/// Prose templates. Slots: N full name, F first name, S street address, C postcode and place,
/// B place, D date, I ISO date, M month, Y year, A amount, O order number, T time of day,
/// P IPv4 address, V version, Q percentage, U duration, K company, n small number.
pub const TEMPLATES: &[&str] = &[
    "{N} sendte over vedlegget {D}, og saken behandles i løpet av {M}.",
    "Møtet i styret er flyttet til {D} {T} i lokalene i {S}.",
    "Fakturaen på {A} gjelder {O} og forfaller {D}.",
    "Leveransen til {S}, {C} ble registrert {I} av {N}.",
    "Tjenesten svarte fra {P} etter oppgraderingen til {V}.",
    "{F} skriver at budsjettet for {Y} er redusert med {A}.",
    "Vi har mottatt tilbakemelding fra {N} om at leveransen var forsinket med {n} dager.",
    "Årsmøtet vedtok å øke kontingenten til {A} fra {Y}.",
    "Fristen for høringsinnspill er {D}, og alle dokumenter skal journalføres fortløpende.",
    "Prosjektgruppen møtes hver tirsdag {T} frem til sommeren.",
    "Rapporten viser at omsetningen økte med {Q} prosent i første kvartal {Y}.",
    "{N} ble valgt som ny leder av utvalget på årsmøtet i {B}.",
    "Bestillingen {O} på {A} ble sendt fra lageret i {B} {D}.",
    "Versjon {V} av fagsystemet ble rullet ut {I}, og feilen fra {D} er rettet.",
    "{K} har levert tilbud på {A} for vedlikehold av {S}.",
    "Overtakelse av boligen i {S}, {C} skjer {D} {T}.",
    "Innbyggerne i {B} får svar på søknaden innen {D}.",
    "Svartiden var {U} i snitt, mot {U} uken før.",
    "Beløpet på {A} er overført, jf. avtale av {D}.",
    "{N} og {N} deltok på befaringen i {S} den {D}.",
    "Total kostnad ble {A}, som er {Q} prosent under rammen.",
    "Neste gjennomgang er satt til uke {n}, {T}.",
    "Dugnaden i {S} starter {T}, og {F} tar med kaffe og vafler.",
    "Serveren på {P} ble startet på nytt etter at {V} feilet {I}.",
    "{F} fra {K} bekrefter at varene ble levert til {C} {D}.",
];

#[rustfmt::skip]
const CSV_STATUS: [&str; 6] = [
    "levert", "sendt", "venter", "kansellert", "fakturert", "under behandling",
];

#[rustfmt::skip]
const LOG_MESSAGES: [&str; 8] = [
    "jobb fullført", "tidsavbrudd mot tjenesten", "økt fornyet", "cache tømt", "ny versjon lastet",
    "forespørsel avvist: ugyldig token", "eksport til arkivet ferdig", "køen er tom",
];

#[rustfmt::skip]
const EMAIL_DOMAINS: [&str; 7] = [
    "firma.no", "eksempel.no", "example.com", "example.org", "example.net", "bedrift.no",
    "skole.no",
];

#[rustfmt::skip]
const IDN_DOMAINS: [&str; 4] = [
    "blåbærsyltetøy.no", "sørlandsbåt.no", "ærfugl.no", "kjøkkenhjelp.no",
];

const ROLE_LOCALS: [&str; 5] = ["post", "postmottak", "kundeservice", "faktura", "info"];

// ---------------------------------------------------------------------------------------------
// Manifest

/// What a corpus contains and what sporhund should report for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifest {
    pub seed: u64,
    pub bytes: u64,
    pub files: u64,
    /// Rule id → findings sporhund reports at its default minimum confidence (0.5).
    pub expected: BTreeMap<&'static str, u64>,
    /// (rule id, kind) → the same findings by kind (`""` for rules without kinds).
    pub expected_kinds: BTreeMap<(&'static str, &'static str), u64>,
    /// Rule id → values the engine detects with a confidence below 0.5 (line-wrapped
    /// synthetic numbers), so `sporhund scan` drops them by default.
    pub below_min_confidence: BTreeMap<&'static str, u64>,
    /// (rule id, how it was written) → planted values.
    pub forms: BTreeMap<(&'static str, &'static str), u64>,
    /// Decoy type → decoys planted (none of them may be reported).
    pub decoys: BTreeMap<&'static str, u64>,
}

impl Manifest {
    pub fn expected_total(&self) -> u64 {
        self.expected.values().sum()
    }

    pub fn category_of(rule: &str) -> &'static str {
        RULES
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or("?", |(_, c)| c)
    }

    /// Expected findings per report category (the summary's `findings_by_category`).
    pub fn expected_by_category(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for (rule, n) in &self.expected {
            *out.entry(Self::category_of(rule)).or_default() += n;
        }
        out
    }

    /// Adds another manifest's counts (seed stays).
    pub fn merge(&mut self, other: &Manifest) {
        self.bytes += other.bytes;
        self.files += other.files;
        for (k, v) in &other.expected {
            *self.expected.entry(k).or_default() += v;
        }
        for (k, v) in &other.expected_kinds {
            *self.expected_kinds.entry(*k).or_default() += v;
        }
        for (k, v) in &other.below_min_confidence {
            *self.below_min_confidence.entry(k).or_default() += v;
        }
        for (k, v) in &other.forms {
            *self.forms.entry(*k).or_default() += v;
        }
        for (k, v) in &other.decoys {
            *self.decoys.entry(k).or_default() += v;
        }
    }

    pub fn to_json(&self) -> String {
        fn object(out: &mut String, name: &str, items: impl Iterator<Item = (String, u64)>) {
            let _ = write!(out, "  \"{name}\": {{");
            let mut first = true;
            for (k, v) in items {
                let _ = write!(out, "{}\n    \"{}\": {v}", if first { "" } else { "," }, k);
                first = false;
            }
            out.push_str(if first { "},\n" } else { "\n  },\n" });
        }
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"generator\": \"{GENERATOR}\",");
        let _ = writeln!(out, "  \"seed\": {},", self.seed);
        let _ = writeln!(out, "  \"bytes\": {},", self.bytes);
        let _ = writeln!(out, "  \"files\": {},", self.files);
        let _ = writeln!(out, "  \"min_confidence\": {MIN_CONFIDENCE},");
        let _ = writeln!(out, "  \"expected_total\": {},", self.expected_total());
        let all = |m: &BTreeMap<&'static str, u64>| -> Vec<(String, u64)> {
            RULES
                .iter()
                .map(|(r, _)| (r.to_string(), m.get(r).copied().unwrap_or(0)))
                .collect()
        };
        object(&mut out, "expected", all(&self.expected).into_iter());
        object(
            &mut out,
            "expected_by_category",
            self.expected_by_category()
                .into_iter()
                .map(|(c, n)| (c.to_string(), n)),
        );
        object(
            &mut out,
            "expected_kinds",
            self.expected_kinds.iter().map(|((r, k), v)| {
                let key = if k.is_empty() {
                    r.to_string()
                } else {
                    format!("{r}/{k}")
                };
                (key, *v)
            }),
        );
        object(
            &mut out,
            "below_min_confidence",
            all(&self.below_min_confidence).into_iter(),
        );
        object(
            &mut out,
            "forms",
            self.forms
                .iter()
                .map(|((r, f), v)| (format!("{r}: {f}"), *v)),
        );
        let _ = writeln!(
            out,
            "  \"decoys_total\": {},",
            self.decoys.values().sum::<u64>()
        );
        object(
            &mut out,
            "decoys",
            self.decoys.iter().map(|(k, v)| (k.to_string(), *v)),
        );
        // Drop the trailing comma of the last member.
        out.truncate(out.len() - 2);
        out.push_str("\n}\n");
        out
    }
}

/// Where one planted value was written (in-memory corpora only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plant {
    pub start: usize,
    pub end: usize,
    pub rule: &'static str,
    pub kind: &'static str,
    /// False for values expected below the default minimum confidence.
    pub reported: bool,
}

/// An in-memory corpus.
#[derive(Clone, Debug)]
pub struct Document {
    pub text: String,
    pub manifest: Manifest,
    pub plants: Vec<Plant>,
}

/// One document of about `bytes` bytes (a little more: units are not cut), with the position
/// of every planted value.
pub fn generate(seed: u64, bytes: usize) -> Document {
    let mut g = Gen::new(seed, true);
    g.document(bytes);
    g.manifest.seed = seed;
    g.manifest.bytes = g.out.len() as u64;
    g.manifest.files = 1;
    Document {
        text: g.out,
        manifest: g.manifest,
        plants: g.plants,
    }
}

/// Writes a corpus of about `total_bytes` into `dir` as UTF-8 files of `file_bytes.0` to
/// `file_bytes.1` bytes spread over a few subdirectories, plus `dir/manifest.json`.
pub fn write_corpus(
    dir: &Path,
    total_bytes: u64,
    seed: u64,
    file_bytes: (usize, usize),
) -> io::Result<Manifest> {
    const SUBDIRS: [&str; 4] = ["dokumenter", "eksport", "logger", "arkiv"];
    let mut manifest = Manifest {
        seed,
        ..Manifest::default()
    };
    let mut sizes = Rng::new(seed ^ 0x5EED);
    let mut index = 0u64;
    while manifest.bytes < total_bytes {
        let left = (total_bytes - manifest.bytes) as usize;
        let size = sizes.range(file_bytes.0, file_bytes.1).min(left.max(1));
        let mut g = Gen::new(file_seed(seed, index), false);
        g.document(size);
        let sub = dir.join(SUBDIRS[index as usize % SUBDIRS.len()]);
        std::fs::create_dir_all(&sub)?;
        std::fs::write(sub.join(format!("del-{index:04}.txt")), g.out.as_bytes())?;
        g.manifest.bytes = g.out.len() as u64;
        g.manifest.files = 1;
        manifest.merge(&g.manifest);
        index += 1;
    }
    std::fs::write(dir.join("manifest.json"), manifest.to_json())?;
    Ok(manifest)
}

// ---------------------------------------------------------------------------------------------
// The generator

struct Gen {
    rng: Rng,
    out: String,
    manifest: Manifest,
    plants: Vec<Plant>,
    record: bool,
}

impl Gen {
    fn new(seed: u64, record: bool) -> Gen {
        Gen {
            rng: Rng::new(seed),
            out: String::new(),
            manifest: Manifest::default(),
            plants: Vec::new(),
            record,
        }
    }

    fn document(&mut self, target: usize) {
        self.out.reserve(target + 4096);
        while self.out.len() < target {
            let filler_end = self.out.len() + self.rng.range(600, 3400);
            while self.out.len() < filler_end {
                match self.rng.below(20) {
                    0..=13 => self.prose_paragraph(),
                    14..=16 => self.csv_block(),
                    _ => self.log_block(),
                }
            }
            self.event();
        }
    }

    // --- recording ------------------------------------------------------------------------

    /// Writes a planted value and counts it.
    fn plant(&mut self, rule: &'static str, kind: &'static str, form: &'static str, value: &str) {
        let start = self.out.len();
        self.out.push_str(value);
        self.count(rule, kind, form, start, true);
    }

    fn count(
        &mut self,
        rule: &'static str,
        kind: &'static str,
        form: &'static str,
        start: usize,
        reported: bool,
    ) {
        if reported {
            *self.manifest.expected.entry(rule).or_default() += 1;
            *self
                .manifest
                .expected_kinds
                .entry((rule, kind))
                .or_default() += 1;
        } else {
            *self.manifest.below_min_confidence.entry(rule).or_default() += 1;
        }
        *self.manifest.forms.entry((rule, form)).or_default() += 1;
        if self.record {
            self.plants.push(Plant {
                start,
                end: self.out.len(),
                rule,
                kind,
                reported,
            });
        }
    }

    fn decoy(&mut self, kind: &'static str, text: &str) {
        self.out.push_str(text);
        *self.manifest.decoys.entry(kind).or_default() += 1;
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    // --- slots -----------------------------------------------------------------------------

    fn first_name(&mut self) -> &'static str {
        self.rng.pick(FIRST_NAMES)
    }

    fn surname(&mut self) -> &'static str {
        self.rng.pick(SURNAMES)
    }

    fn full_name(&mut self) -> String {
        format!("{} {}", self.first_name(), self.surname())
    }

    fn street(&mut self) -> String {
        let s = self.rng.pick(STREETS);
        let n = self.rng.range(1, 120);
        if self.rng.percent(15) {
            format!("{s} {n}{}", self.rng.pick(&["A", "B", "C"]))
        } else {
            format!("{s} {n}")
        }
    }

    fn place(&mut self) -> (&'static str, &'static str) {
        self.rng.pick(PLACES)
    }

    fn date(&mut self, years: (usize, usize)) -> (usize, usize, usize) {
        let y = self.rng.range(years.0, years.1);
        let m = self.rng.range(1, 12);
        let d = self.rng.range(1, days_in_month(m, y % 100));
        (d, m, y)
    }

    fn push_date(&mut self) {
        let (d, m, y) = self.date((2015, 2026));
        let _ = write!(self.out, "{d:02}.{m:02}.{y}");
    }

    fn push_iso_date(&mut self) {
        let (d, m, y) = self.date((2015, 2026));
        let _ = write!(self.out, "{y}-{m:02}-{d:02}");
    }

    fn push_time(&mut self) {
        let h = self.rng.range(7, 22);
        let m = self.rng.pick(&[0, 15, 30, 45]);
        let _ = write!(self.out, "kl. {h:02}.{m:02}");
    }

    /// Thousands separated by spaces: at most 7 digits.
    fn push_thousands(&mut self, n: usize) {
        let s = n.to_string();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                self.out.push(' ');
            }
            self.out.push(c);
        }
    }

    fn push_amount(&mut self) {
        let n = match self.rng.below(3) {
            0 => self.rng.range(50, 999),
            1 => self.rng.range(1_000, 99_999),
            _ => self.rng.range(100_000, 4_999_999),
        };
        match self.rng.below(4) {
            0 => {
                self.push_thousands(n);
                let _ = write!(self.out, ",{:02} kr", self.rng.below(100));
            }
            1 => {
                self.push("kr ");
                self.push_thousands(n);
                self.push(",-");
            }
            2 => {
                self.push("NOK ");
                self.push_thousands(n);
            }
            _ => {
                self.push_thousands(n);
                self.push(" kroner");
            }
        }
    }

    fn push_order(&mut self) {
        if self.rng.percent(60) {
            let _ = write!(self.out, "ordre ORD-{}", self.rng.range(100_000, 999_999));
        } else {
            let _ = write!(self.out, "bestilling #{}", self.rng.range(10_000, 99_999));
        }
    }

    fn push_ip(&mut self) {
        let (a, b) = match self.rng.below(4) {
            0 => (10, self.rng.below(256)),
            1 => (192, 168),
            2 => (172, self.rng.range(16, 31)),
            _ => (self.rng.range(80, 213), self.rng.below(256)),
        };
        let _ = write!(
            self.out,
            "{a}.{b}.{}.{}",
            self.rng.below(256),
            self.rng.range(1, 254)
        );
    }

    fn push_version(&mut self) {
        let v = if self.rng.percent(50) { "v" } else { "" };
        let _ = write!(
            self.out,
            "{v}{}.{}.{}",
            self.rng.range(1, 4),
            self.rng.below(40),
            self.rng.below(20)
        );
    }

    fn slot(&mut self, key: &str) {
        match key {
            "N" => {
                let n = self.full_name();
                self.push(&n);
            }
            "F" => {
                let f = self.first_name();
                self.push(f);
            }
            "S" => {
                let s = self.street();
                self.push(&s);
            }
            "C" => {
                let (code, place) = self.place();
                let _ = write!(self.out, "{code} {place}");
            }
            "B" => {
                let (_, place) = self.place();
                self.push(place);
            }
            "D" => self.push_date(),
            "I" => self.push_iso_date(),
            "M" => {
                let m = self.rng.pick(&MONTHS);
                self.push(m);
            }
            "Y" => {
                let y = self.rng.range(2015, 2027);
                let _ = write!(self.out, "{y}");
            }
            "A" => self.push_amount(),
            "O" => self.push_order(),
            "T" => self.push_time(),
            "P" => self.push_ip(),
            "V" => self.push_version(),
            "Q" => {
                let _ = write!(self.out, "{},{}", self.rng.range(1, 60), self.rng.below(10));
            }
            "U" => {
                if self.rng.percent(70) {
                    let _ = write!(self.out, "{} ms", self.rng.range(3, 2500));
                } else {
                    let _ = write!(
                        self.out,
                        "{},{} sekunder",
                        self.rng.range(1, 9),
                        self.rng.below(10)
                    );
                }
            }
            "K" => {
                let k = self.rng.pick(COMPANIES);
                self.push(k);
            }
            "n" => {
                let n = self.rng.range(1, 52);
                let _ = write!(self.out, "{n}");
            }
            _ => unreachable!("unknown slot {key}"),
        }
    }

    fn render(&mut self, template: &str) {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            self.out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("closed slot");
            self.slot(&rest[open + 1..close]);
            rest = &rest[close + 1..];
        }
        self.out.push_str(rest);
    }

    // --- filler ----------------------------------------------------------------------------

    /// A sentence of vocabulary words only, at least `min` bytes.
    fn word_sentence(&mut self, min: usize) {
        let start = self.out.len();
        let first = self.rng.pick(WORDS);
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            self.out.extend(c.to_uppercase());
            self.out.push_str(chars.as_str());
        }
        while self.out.len() - start < min {
            self.out.push(' ');
            let w = self.rng.pick(WORDS);
            self.out.push_str(w);
        }
        self.out.push('.');
    }

    /// A digit- and keyword-free line longer than any context window.
    fn buffer(&mut self) {
        self.word_sentence(90);
        self.out.push('\n');
    }

    fn prose_paragraph(&mut self) {
        if self.rng.percent(10) {
            let (d, m, y) = self.date((2015, 2026));
            let heading = self
                .rng
                .pick(&["Referat", "Notat", "Oppsummering", "Status"]);
            let _ = writeln!(self.out, "\n{heading} {d}. {} {y}\n", MONTHS[m - 1]);
        }
        for i in 0..self.rng.range(2, 7) {
            if i > 0 {
                self.out.push(' ');
            }
            if self.rng.percent(35) {
                let t = self.rng.pick(TEMPLATES);
                self.render(t);
            } else {
                let min = self.rng.range(30, 140);
                self.word_sentence(min);
            }
        }
        self.out.push('\n');
    }

    fn csv_block(&mut self) {
        self.push("dato;ordre;kunde;adresse;sted;beløp;status\n");
        for _ in 0..self.rng.range(2, 8) {
            self.push_iso_date();
            let _ = write!(self.out, ";ORD-{};", self.rng.range(100_000, 999_999));
            let n = self.full_name();
            let s = self.street();
            let (code, place) = self.place();
            let _ = write!(self.out, "{n};{s};{code} {place};");
            let _ = write!(
                self.out,
                "{},{:02};",
                self.rng.range(50, 99_999),
                self.rng.below(100)
            );
            let status = self.rng.pick(&CSV_STATUS);
            self.push(status);
            self.out.push('\n');
        }
    }

    fn push_timestamp(&mut self) {
        let (d, m, y) = self.date((2022, 2026));
        let (h, mi, s, ms) = (
            self.rng.below(24),
            self.rng.below(60),
            self.rng.below(60),
            self.rng.below(1000),
        );
        if self.rng.percent(70) {
            let _ = write!(self.out, "{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z");
        } else {
            let _ = write!(self.out, "{y}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02},{ms:03}");
        }
    }

    fn log_block(&mut self) {
        for _ in 0..self.rng.range(2, 8) {
            self.push_timestamp();
            let level = self
                .rng
                .pick(&["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"]);
            let _ = write!(self.out, " {level} [worker-{}] ", self.rng.range(1, 16));
            match self.rng.below(4) {
                0 => {
                    let _ = write!(
                        self.out,
                        "GET /api/v{}/ordre/{} status={} tid={}ms klient=",
                        self.rng.range(1, 3),
                        self.rng.range(100_000, 999_999),
                        self.rng.pick(&[200, 200, 200, 304, 404, 500]),
                        self.rng.range(1, 3000)
                    );
                    self.push_ip();
                }
                1 => {
                    let msg = self.rng.pick(&LOG_MESSAGES);
                    let _ = write!(
                        self.out,
                        "{msg} etter {} ms, versjon ",
                        self.rng.range(1, 9999)
                    );
                    self.push_version();
                }
                2 => {
                    let _ = write!(self.out, "tilkobling fra ");
                    self.push_ip();
                    let _ = write!(self.out, ":{} lukket", self.rng.range(1024, 65535));
                }
                _ => {
                    let _ = write!(
                        self.out,
                        "økt {:08x} fornyet for bruker {}",
                        self.rng.next_u64() as u32,
                        self.rng.range(1000, 99_999)
                    );
                }
            }
            self.out.push('\n');
        }
    }

    // --- events: planted values and decoys between buffers --------------------------------

    fn event(&mut self) {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.buffer();
        match self.rng.below(100) {
            0..=19 => self.fnr_unit(),
            20..=34 => self.phone_unit(),
            35..=46 => self.email_unit(),
            47..=52 => self.account_unit(),
            53..=56 => self.iban_unit(),
            57..=61 => self.orgnr_unit(),
            62..=66 => self.card_unit(),
            67..=69 => self.person_record(),
            70..=72 => self.contact_line(),
            73..=76 => self.csv_table(),
            77..=79 => self.mail_message(),
            80..=82 => self.log_plant(),
            _ => self.decoy_unit(),
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.buffer();
    }

    // fødselsnummer -------------------------------------------------------------------------

    fn tenor(&mut self) -> [u8; 11] {
        let d = self.rng.percent(25);
        tenor_number(&mut self.rng, d)
    }

    fn fnr_label(&mut self) -> &'static str {
        self.rng.pick(&[
            "Fødselsnummer:",
            "fødselsnummer",
            "Fnr:",
            "fnr",
            "Pnr.",
            "pnr",
            "Personnummer:",
            "Fødselsnr.",
            "F.nr.",
            "Pers.nr.",
            "ID-nummer:",
            "D-nummer",
        ])
    }

    fn fnr_unit(&mut self) {
        let v = self.tenor();
        let (six, five) = (digit_string(&v[..6]), digit_string(&v[6..]));
        let all = digit_string(&v);
        let label = self.fnr_label();
        match self.rng.below(9) {
            0 | 1 => {
                let _ = write!(self.out, "{label} ");
                self.plant(FNR, "synthetic", "contiguous with keyword", &all);
            }
            2 => {
                let _ = write!(self.out, "{label} ");
                self.plant(FNR, "synthetic", "6+5 space", &format!("{six} {five}"));
            }
            3 => {
                let _ = write!(self.out, "{label} ");
                self.plant(FNR, "synthetic", "6-5 dash", &format!("{six}-{five}"));
            }
            4 => {
                let _ = write!(self.out, "{label} ");
                self.plant(FNR, "synthetic", "6.5 dot", &format!("{six}.{five}"));
            }
            5 => {
                let _ = write!(self.out, "{label} ");
                self.plant(FNR, "synthetic", "6+5 NBSP", &format!("{six}\u{a0}{five}"));
            }
            6 => {
                let n = self.full_name();
                let _ = write!(self.out, "Pasient {n} ");
                self.plant(FNR, "synthetic", "bare in prose", &all);
                self.push(" ble overført til avdelingen.");
            }
            7 => {
                let en = self.rng.pick(&[
                    "National identity number:",
                    "Personal identity number",
                    "SSN",
                ]);
                let _ = write!(self.out, "{en} ");
                self.plant(FNR, "synthetic", "english keyword", &all);
            }
            _ => {
                // Wrapped by an editor: found, but a synthetic number over a line break scores
                // 0.6 + 0.1 (keyword) − 0.3 (line break) = 0.4, below the default 0.5.
                self.push("Vi har registrert fødselsnummer ");
                let start = self.out.len();
                let _ = write!(self.out, "{six}\n{five}");
                self.count(FNR, "synthetic", "6/5 wrapped over a line", start, false);
                self.push(" i fagsystemet.");
            }
        }
    }

    // phone ---------------------------------------------------------------------------------

    fn phone_unit(&mut self) {
        let mobile = self.rng.percent(75);
        let kind = if mobile { "mobile" } else { "fixed" };
        let p = phone_number(&mut self.rng, mobile);
        let f = self.first_name();
        let pairs = grouped(&p, &[2, 2, 2, 2], " ");
        let three = grouped(&p, &[3, 2, 3], " ");
        let all = digit_string(&p);
        match self.rng.below(12) {
            0 => {
                self.push("Ring meg på ");
                self.plant(PHONE, kind, "3-2-3 with keyword", &three);
                self.push(" etter lunsj.");
            }
            1 => {
                self.push("Mobil: ");
                self.plant(PHONE, kind, "2-2-2-2 with keyword", &pairs);
            }
            2 => {
                let _ = write!(self.out, "{f} nås på ");
                self.plant(PHONE, kind, "+47 space", &format!("+47 {all}"));
                self.push(" på dagtid.");
            }
            3 => {
                self.push("Nummer ");
                self.plant(PHONE, kind, "+47 glued", &format!("+47{all}"));
            }
            4 => {
                self.push("Sentralbord ");
                self.plant(PHONE, kind, "(+47) 2-2-2-2", &format!("(+47) {pairs}"));
            }
            5 => {
                let _ = write!(self.out, "{f} svarer på ");
                self.plant(PHONE, kind, "0047 3-2-3", &format!("0047 {three}"));
            }
            6 => {
                let label = self
                    .rng
                    .pick(&["tlf", "Telefon:", "mob.", "Tlf:", "mobilnr."]);
                let _ = write!(self.out, "{label} ");
                self.plant(PHONE, kind, "contiguous with keyword", &all);
            }
            7 => {
                self.push("Tlf. ");
                self.plant(
                    PHONE,
                    kind,
                    "3.2.3 dotted with keyword",
                    &grouped(&p, &[3, 2, 3], "."),
                );
            }
            8 => {
                let _ = write!(self.out, "Kontakt {f} på ");
                self.plant(
                    PHONE,
                    kind,
                    "+47 wrapped over a line",
                    &format!("+47\n{three}"),
                );
                self.push(" for nøkler.");
            }
            9 if mobile => {
                let _ = write!(self.out, "{f} nås på ");
                self.plant(PHONE, kind, "4-4 mobile", &grouped(&p, &[4, 4], " "));
                self.push(" hele uken.");
            }
            10 => {
                let n = self.full_name();
                let _ = write!(self.out, "{n} har nummer ");
                self.plant(PHONE, kind, "3-2-3 bare", &three);
                self.push(" i listen.");
            }
            _ => {
                self.push("Vakthavende har ");
                self.plant(PHONE, kind, "2-2-2-2 bare", &pairs);
                self.push(" denne uken.");
            }
        }
    }

    // e-mail --------------------------------------------------------------------------------

    /// A local part from a name, lower-case, keeping æøå.
    fn local_part(&mut self, first: &str, last: &str) -> String {
        let (f, l) = (first.to_lowercase(), last.to_lowercase());
        match self.rng.below(5) {
            0 => format!("{f}.{l}"),
            1 => format!("{f}{}", self.rng.range(1, 99)),
            2 => format!("{}.{l}", f.chars().next().unwrap()),
            3 => format!("{f}_{l}"),
            _ => format!("{f}-{l}"),
        }
    }

    /// (address, kind, form detail).
    fn email_address(&mut self) -> (String, &'static str, &'static str) {
        let first = self.first_name();
        let last = self.surname();
        let local = self.local_part(first, last);
        match self.rng.below(10) {
            0 => {
                let d = self.rng.pick(&IDN_DOMAINS);
                (format!("{local}@{d}"), "", "IDN domain")
            }
            1 => {
                let r = self.rng.pick(&ROLE_LOCALS);
                let d = self.rng.pick(&EMAIL_DOMAINS);
                (format!("{r}@{d}"), "role", "role account")
            }
            _ => {
                let d = self.rng.pick(&EMAIL_DOMAINS);
                let form = if local.is_ascii() {
                    "ascii"
                } else {
                    "æøå in local part"
                };
                (format!("{local}@{d}"), "", form)
            }
        }
    }

    fn email_unit(&mut self) {
        let (addr, kind, detail) = self.email_address();
        let form: &'static str = match (self.rng.below(8), detail) {
            (0, _) => {
                self.push("E-post: ");
                self.plant(EMAIL, kind, "E-post label", &addr);
                return;
            }
            (1, _) => {
                let n = self.full_name();
                let _ = write!(self.out, "Svar til {n} <");
                self.plant(EMAIL, kind, "<angle brackets>", &addr);
                self.push(">");
                return;
            }
            (2, _) => {
                self.push("Skriv til «");
                self.plant(EMAIL, kind, "«guillemets»", &addr);
                self.push("» innen fredag.");
                return;
            }
            (3, _) => {
                self.push("<a href=\"mailto:");
                self.plant(EMAIL, kind, "mailto with query", &addr);
                self.push("?subject=Møte\">skriv</a>");
                return;
            }
            (4, _) => {
                let f = self.first_name();
                let _ = write!(self.out, "{f} bruker ");
                "sentence end"
            }
            (5, _) if kind.is_empty() => {
                // Bracketed obfuscation: ola (krøllalfa) firma (punktum) no.
                let (local, domain) = addr.split_once('@').unwrap();
                let (host, tld) = domain.rsplit_once('.').unwrap();
                let text = match self.rng.below(3) {
                    0 => format!("{local} (krøllalfa) {host} (punktum) {tld}"),
                    1 => format!("{local}[at]{host}[dot]{tld}"),
                    _ => format!("{local} (at) {host} (dot) {tld}"),
                };
                self.push("Send gjerne til ");
                self.plant(EMAIL_OBFUSCATED, "obfuscated", "bracketed", &text);
                self.push(", takk.");
                return;
            }
            _ => {
                self.push("Send til ");
                detail
            }
        };
        self.plant(EMAIL, kind, form, &addr);
        self.push(".");
    }

    // kontonummer, IBAN, orgnr, cards ------------------------------------------------------

    fn account_unit(&mut self) {
        let a = kontonummer(&mut self.rng);
        let dotted = grouped(&a, &[4, 2, 5], ".");
        let spaced = grouped(&a, &[4, 2, 5], " ");
        match self.rng.below(6) {
            0 => {
                self.push("Kontonummer: ");
                self.plant(ACCOUNT, "", "4.2.5 with keyword", &dotted);
            }
            5 => {
                self.push("Beløpet betales til konto ");
                let wrapped = format!(
                    "{}\n{}",
                    grouped(&a[..6], &[4, 2], " "),
                    digit_string(&a[6..])
                );
                self.plant(ACCOUNT, "", "4 2 / 5 wrapped over a line", &wrapped);
                self.push(" innen fredag.");
            }
            1 => {
                self.push("Beløpet betales til ");
                self.plant(ACCOUNT, "", "4 2 5 with keyword", &spaced);
                self.push(" innen fristen.");
            }
            2 => {
                let label = self
                    .rng
                    .pick(&["kontonr.", "Bankkonto", "Kontonummer", "Konto"]);
                let _ = write!(self.out, "{label} ");
                self.plant(ACCOUNT, "", "contiguous with keyword", &digit_string(&a));
            }
            3 => {
                let n = self.full_name();
                let _ = write!(self.out, "{n} bruker ");
                self.plant(ACCOUNT, "", "4 2 5 bare", &spaced);
                self.push(" for refusjoner.");
            }
            _ => {
                // Compounds such as "lønnskonto" only with the 4-2-5 grouping: next to a
                // contiguous number that is also a valid fødselsnummer, the fnr rule takes it.
                let label = self.rng.pick(&["Utbetaling til", "Lønnskonto:"]);
                let _ = write!(self.out, "{label} ");
                self.plant(ACCOUNT, "", "4.2.5 with keyword", &dotted);
            }
        }
    }

    fn iban_unit(&mut self) {
        let a = kontonummer(&mut self.rng);
        let iban = iban_for(&a);
        let groups = |sep: &str| {
            format!(
                "{}{sep}{}{sep}{}{sep}{}",
                &iban[..4],
                &iban[4..8],
                &iban[8..12],
                &iban[12..]
            )
        };
        match self.rng.below(4) {
            0 => {
                self.push("IBAN: ");
                self.plant(IBAN, "", "print format", &groups(" "));
            }
            1 => {
                self.push("Overfør beløpet til ");
                self.plant(IBAN, "", "compact", &iban);
                self.push(" før fredag.");
            }
            2 => {
                self.push("IBAN ");
                self.plant(IBAN, "", "with dashes", &groups("-"));
            }
            _ => {
                self.push("iban ");
                let lower = groups("-").to_lowercase();
                self.plant(IBAN, "", "lower case with dashes", &lower);
            }
        }
    }

    fn orgnr_unit(&mut self) {
        let o = orgnr(&mut self.rng);
        let spaced = grouped(&o, &[3, 3, 3], " ");
        let k = self.rng.pick(COMPANIES);
        match self.rng.below(5) {
            0 => {
                self.push("Org.nr. ");
                self.plant(ORGNR, "orgnr", "3 3 3 with keyword", &spaced);
            }
            1 => {
                let _ = write!(self.out, "{k}, ");
                self.plant(ORGNR, "mva", "NO … MVA", &format!("NO {spaced} MVA"));
            }
            2 => {
                let _ = write!(self.out, "{k} (");
                self.plant(
                    ORGNR,
                    "mva",
                    "NO…MVA compact",
                    &format!("NO{}MVA", digit_string(&o)),
                );
                self.push(")");
            }
            3 => {
                let label = self
                    .rng
                    .pick(&["organisasjonsnummer", "Orgnr:", "Foretaksnummer"]);
                let _ = write!(self.out, "{label} ");
                self.plant(ORGNR, "orgnr", "contiguous with keyword", &digit_string(&o));
            }
            _ => {
                let _ = write!(self.out, "{k} har ");
                self.plant(ORGNR, "orgnr", "3 3 3 bare", &spaced);
                self.push(" i Brønnøysund.");
            }
        }
    }

    fn card_unit(&mut self) {
        let (pan, brand) = self.rng.pick(&TEST_CARDS);
        let d = digits_of(pan);
        let amex = d.len() == 15;
        match self.rng.below(5) {
            0 if !amex => {
                self.push("Kortnummer: ");
                self.plant(
                    CARD,
                    brand,
                    "4 4 4 4 with keyword",
                    &grouped(&d, &[4, 4, 4, 4], " "),
                );
            }
            1 if !amex => {
                self.push("Betalt med ");
                self.plant(
                    CARD,
                    brand,
                    "4-4-4-4 bare",
                    &grouped(&d, &[4, 4, 4, 4], "-"),
                );
                self.push(" i nettbutikken.");
            }
            0 | 1 => {
                self.push("Amex ");
                self.plant(CARD, brand, "4 6 5 amex", &grouped(&d, &[4, 6, 5], " "));
            }
            4 if !amex => {
                self.push("Visa/Mastercard ");
                let wrapped = format!(
                    "{}\n{}",
                    grouped(&d[..8], &[4, 4], " "),
                    grouped(&d[8..], &[4, 4], " ")
                );
                self.plant(CARD, brand, "4 4 / 4 4 wrapped over a line", &wrapped);
            }
            2 => {
                self.push("Kort: ");
                let g: &[usize] = if amex { &[4, 6, 5] } else { &[4, 4, 4, 4] };
                self.plant(CARD, brand, "grouped with keyword", &grouped(&d, g, " "));
                self.push(", utløper 12/29.");
            }
            _ => {
                let label = self
                    .rng
                    .pick(&["kortnummer", "Visa/Mastercard", "kredittkort"]);
                let _ = write!(self.out, "{label} ");
                self.plant(CARD, brand, "contiguous with keyword", pan);
            }
        }
    }

    // multi-value units ----------------------------------------------------------------------

    /// "Kari Hansen, f. 03.05.1964, fnr …, Storgata 12, 0150 Oslo, e-post …".
    fn person_record(&mut self) {
        let first = self.first_name();
        let last = self.surname();
        let (d, m, y) = self.date((1940, 2005));
        let _ = write!(self.out, "{first} {last}, f. {d:02}.{m:02}.{y}, fnr ");
        let v = self.tenor();
        self.plant(FNR, "synthetic", "person record", &digit_string(&v));
        let s = self.street();
        let (code, place) = self.place();
        let _ = write!(self.out, ", {s}, {code} {place}");
        if self.rng.percent(50) {
            self.push(", e-post ");
            let local = self.local_part(first, last);
            let dom = self.rng.pick(&EMAIL_DOMAINS);
            let form = if local.is_ascii() {
                "person record"
            } else {
                "æøå in local part"
            };
            self.plant(EMAIL, "", form, &format!("{local}@{dom}"));
        }
        self.push(".");
    }

    /// "Kontakt Kari Hansen på 912 34 567 eller kari.hansen@firma.no."
    fn contact_line(&mut self) {
        let first = self.first_name();
        let last = self.surname();
        let mobile = self.rng.percent(80);
        let kind = if mobile { "mobile" } else { "fixed" };
        let p = phone_number(&mut self.rng, mobile);
        let _ = write!(self.out, "Kontakt {first} {last} på ");
        if self.rng.percent(50) {
            self.plant(
                PHONE,
                kind,
                "3-2-3 with keyword",
                &grouped(&p, &[3, 2, 3], " "),
            );
        } else {
            self.plant(
                PHONE,
                kind,
                "+47 space",
                &format!("+47 {}", digit_string(&p)),
            );
        }
        self.push(" eller ");
        let local = self.local_part(first, last);
        let dom = self.rng.pick(&EMAIL_DOMAINS);
        let form = if local.is_ascii() {
            "contact line"
        } else {
            "æøå in local part"
        };
        self.plant(EMAIL, "", form, &format!("{local}@{dom}"));
        self.push(".");
    }

    /// A small export with a fødselsnummer, a phone and an e-mail per row.
    fn csv_table(&mut self) {
        let semicolon = self.rng.percent(70);
        if semicolon {
            self.push("navn;fødselsnummer;mobil;e-post;sted\n");
        } else {
            // Comma-separated: keep numbers away from a following numeric field (a comma
            // between digits reads as a decimal comma).
            self.push("name,ssn,email,phone,city\n");
        }
        for _ in 0..self.rng.range(1, 4) {
            let first = self.first_name();
            let last = self.surname();
            let _ = write!(self.out, "{first} {last}");
            let v = self.tenor();
            let fnr = if self.rng.percent(50) {
                digit_string(&v)
            } else {
                format!("{} {}", digit_string(&v[..6]), digit_string(&v[6..]))
            };
            let p = phone_number(&mut self.rng, true);
            let phone = match self.rng.below(3) {
                0 => grouped(&p, &[3, 2, 3], " "),
                1 => grouped(&p, &[2, 2, 2, 2], " "),
                _ => format!("+47 {}", digit_string(&p)),
            };
            let local = self.local_part(first, last);
            let dom = self.rng.pick(&EMAIL_DOMAINS);
            let email = format!("{local}@{dom}");
            let (_, place) = self.place();
            let sep = if semicolon { ";" } else { "," };
            self.push(sep);
            self.plant(FNR, "synthetic", "CSV cell", &fnr);
            if semicolon {
                self.push(sep);
                self.plant(PHONE, "mobile", "CSV cell", &phone);
                self.push(sep);
                self.plant(EMAIL, "", "CSV cell", &email);
            } else {
                self.push(sep);
                self.plant(EMAIL, "", "CSV cell", &email);
                self.push(sep);
                self.plant(PHONE, "mobile", "CSV cell", &phone);
            }
            let _ = writeln!(self.out, "{sep}{place}");
        }
    }

    /// A message with From/To/Cc addresses and Message-ID / References decoys.
    fn mail_message(&mut self) {
        let day = self.rng.pick(&["Mon", "Tue", "Wed", "Thu", "Fri"]);
        let mon = self.rng.pick(&[
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]);
        let (d, y) = (self.rng.range(1, 28), self.rng.range(2019, 2026));
        let (h, mi, s) = (self.rng.below(24), self.rng.below(60), self.rng.below(60));
        let dom = self.rng.pick(&EMAIL_DOMAINS);
        let from_first = self.first_name();
        let from_last = self.surname();
        let local = self.local_part(from_first, from_last);
        let _ = write!(self.out, "From: {from_first} {from_last} <");
        self.plant(EMAIL, "", "mail header", &format!("{local}@{dom}"));
        self.push(">\nTo: ");
        let to_first = self.first_name();
        let to_last = self.surname();
        let to_local = self.local_part(to_first, to_last);
        let to_dom = self.rng.pick(&EMAIL_DOMAINS);
        let _ = write!(self.out, "\"{to_first} {to_last}\" <");
        self.plant(EMAIL, "", "mail header", &format!("{to_local}@{to_dom}"));
        self.push(">\n");
        if self.rng.percent(30) {
            self.push("Cc: ");
            let role = self.rng.pick(&ROLE_LOCALS);
            self.plant(EMAIL, "role", "role account", &format!("{role}@{dom}"));
            self.push("\n");
        }
        self.push("Subject: ");
        self.word_sentence(20);
        let _ = write!(
            self.out,
            "\nDate: {day}, {d:02} {mon} {y} {h:02}:{mi:02}:{s:02} +0100\nMessage-ID: <"
        );
        let id = format!(
            "{y}{:02}{d:02}{h:02}{mi:02}{s:02}.{:08X}@mail.{dom}",
            self.rng.range(1, 12),
            self.rng.next_u64() as u32
        );
        self.decoy("Message-ID header", &id);
        self.push(">\n");
        if self.rng.percent(40) {
            self.push("References: <");
            let a = format!("CAF{:012x}@mail.{dom}", self.rng.next_u64() >> 16);
            self.decoy("References header (folded)", &a);
            self.push(">\n <");
            let b = format!("{:010x}.{:x}@mail.{to_dom}", self.rng.next_u64() >> 24, d);
            self.decoy("References header (folded)", &b);
            self.push(">\n");
        }
        let _ = write!(self.out, "\nHei {to_first},\n\n");
        self.word_sentence(60);
        let _ = write!(self.out, "\n\nHilsen\n{from_first}\n");
    }

    /// A log line with an address, a phone or a fødselsnummer in it.
    fn log_plant(&mut self) {
        self.push_timestamp();
        match self.rng.below(3) {
            0 => {
                self.push(" INFO  innlogging ok for bruker=");
                let f = self.first_name();
                let l = self.surname();
                let local = self.local_part(f, l);
                let dom = self.rng.pick(&EMAIL_DOMAINS);
                self.plant(EMAIL, "", "log line", &format!("{local}@{dom}"));
                self.push(" fra ");
                self.push_ip();
            }
            1 => {
                self.push(" WARN  varsel sendt til ");
                let p = phone_number(&mut self.rng, true);
                let v = if self.rng.percent(50) {
                    format!("+47{}", digit_string(&p))
                } else {
                    grouped(&p, &[3, 2, 3], " ")
                };
                self.plant(PHONE, "mobile", "log line", &v);
            }
            _ => {
                self.push(" DEBUG oppslag i folkeregisteret pnr=");
                let v = self.tenor();
                self.plant(FNR, "synthetic", "log line", &digit_string(&v));
                self.push(" status=200");
            }
        }
    }

    // decoys --------------------------------------------------------------------------------

    fn decoy_unit(&mut self) {
        match self.rng.below(19) {
            0 | 1 => {
                // Tenor-shaped with a wrong second control digit (so not a kontonummer either).
                let mut v = self.tenor();
                v[10] = (v[10] + 1 + self.rng.below(9) as u8) % 10;
                let label = self.fnr_label();
                let s = match self.rng.below(3) {
                    0 => digit_string(&v),
                    1 => grouped(&v, &[6, 5], " "),
                    _ => grouped(&v, &[6, 5], "-"),
                };
                let _ = write!(self.out, "{label} ");
                self.decoy("fnr-shaped, wrong control digit", &s);
            }
            2 | 3 => {
                let v = bad_date_number(&mut self.rng);
                let label = self.fnr_label();
                let s = if self.rng.percent(50) {
                    digit_string(&v)
                } else {
                    grouped(&v, &[6, 5], " ")
                };
                let _ = write!(self.out, "{label} ");
                self.decoy("fnr-shaped, impossible date, valid control digits", &s);
            }
            4 => {
                let s = self
                    .rng
                    .pick(&["00000000000", "12345678910", "11111111111"]);
                self.push("fnr ");
                self.decoy("fnr placeholder", s);
            }
            5 | 6 => {
                // KID: 13–25 digits, Luhn check digit, no card issuer prefix.
                let len = self.rng.range(13, 25);
                let mut d = vec![self.rng.pick(&[0u8, 1, 7, 8, 9])];
                while d.len() < len - 1 {
                    d.push(self.rng.digit());
                }
                d.push(luhn_digit(&d));
                let label = self.rng.pick(&["KID:", "KID-nr.", "Betal med KID"]);
                let _ = write!(self.out, "{label} ");
                self.decoy("KID, 13+ digits", &digit_string(&d));
            }
            7 => {
                let (d, m, y) = self.date((2019, 2026));
                let ts = format!(
                    "{y}{m:02}{d:02}{:02}{:02}{:02}",
                    self.rng.below(24),
                    self.rng.below(60),
                    self.rng.below(60)
                );
                self.push("Eksport ");
                self.decoy("timestamp, 14 digits", &ts);
                self.push(" fullført uten feil.");
            }
            8 => {
                // IPv4 with 2-digit octets: reads as 2-2-2-2 with dots, no phone keyword.
                let ip = format!(
                    "{}.{}.{}.{}",
                    self.rng.range(20, 99),
                    self.rng.range(10, 99),
                    self.rng.range(10, 99),
                    self.rng.range(10, 99)
                );
                self.push("Klienten ");
                self.decoy("IPv4 with 2-digit octets", &ip);
                self.push(" ble blokkert.");
            }
            9 => {
                // Phone-shaped amounts after a negative keyword (kr, NOK, beløp).
                let p = phone_number(&mut self.rng, true);
                match self.rng.below(3) {
                    0 => {
                        self.push("Lånet er på kr ");
                        let s = format!("{} 00 00 00", p[0] * 10 + p[1]);
                        self.decoy("amount shaped like a phone", &s);
                    }
                    1 => {
                        self.push("Rammen er NOK ");
                        let s = format!("{} {}0 000", digit_string(&p[..3]), p[3]);
                        self.decoy("amount shaped like a phone", &s);
                    }
                    _ => {
                        self.push("Beløp: ");
                        self.decoy(
                            "amount shaped like a phone",
                            &grouped(&p, &[2, 2, 2, 2], " "),
                        );
                        self.push(" øre");
                    }
                }
            }
            10 => {
                let name = self
                    .rng
                    .pick(&["logo@2x.png", "ikon@3x.png", "banner@2x.jpg"]);
                self.push("<img src=\"");
                self.decoy("retina image name", name);
                self.push("\" alt=\"\">");
            }
            11 => {
                let header = self.rng.pick(&["Message-ID", "In-Reply-To", "Content-ID"]);
                let dom = self.rng.pick(&EMAIL_DOMAINS);
                let id = format!(
                    "{}.{:06X}@mail.{dom}",
                    self.rng.range(1_000_000, 99_999_999),
                    self.rng.next_u64() as u32 >> 8
                );
                let _ = write!(self.out, "{header}: <");
                self.decoy("Message-ID header", &id);
                self.push(">");
            }
            12 => match self.rng.below(3) {
                0 => {
                    self.push("<img src=\"cid:");
                    let s = format!("image{:03}.png@01D9A1B2.3C4D5E60", self.rng.range(1, 20));
                    self.decoy("Outlook CID", &s);
                    self.push("\">");
                }
                1 => {
                    self.push("git clone ");
                    self.decoy("git remote", "git@github.com:org/repo.git");
                }
                _ => {
                    self.push("npm install ");
                    let s = format!(
                        "pkg@{}.{}.{}",
                        self.rng.range(1, 9),
                        self.rng.below(20),
                        self.rng.below(20)
                    );
                    self.decoy("package@version", &s);
                }
            },
            13 => {
                // Special-rate 8xx numbers, even next to a phone keyword.
                let mut d = [0u8; 8];
                d[0] = 8;
                d[1] = self.rng.pick(&[0u8, 1, 2, 5]);
                for x in &mut d[2..] {
                    *x = self.rng.digit();
                }
                let label = self.rng.pick(&["Ring", "Tlf.", "Kundeservice:"]);
                let _ = write!(self.out, "{label} ");
                self.decoy("8xx special-rate number", &grouped(&d, &[3, 2, 3], " "));
            }
            14 => {
                let mut o = orgnr(&mut self.rng);
                o[8] = (o[8] + 1 + self.rng.below(9) as u8) % 10;
                self.push("Org.nr. ");
                self.decoy("orgnr, wrong check digit", &grouped(&o, &[3, 3, 3], " "));
            }
            15 => {
                let (pan, _) = self.rng.pick(&TEST_CARDS[..8]);
                let mut d = digits_of(pan);
                d[15] = (d[15] + 1 + self.rng.below(9) as u8) % 10;
                self.push("Kort: ");
                self.decoy("card, Luhn fails", &grouped(&d, &[4, 4, 4, 4], " "));
            }
            16 => {
                let mut a = kontonummer(&mut self.rng);
                a[10] = (a[10] + 1 + self.rng.below(9) as u8) % 10;
                let iban = iban_for(&a);
                if self.rng.percent(50) {
                    self.push("Kontonummer: ");
                    self.decoy(
                        "kontonummer, wrong check digit",
                        &grouped(&a, &[4, 2, 5], "."),
                    );
                } else {
                    self.push("IBAN: ");
                    self.decoy("IBAN, kontonummer check fails", &iban);
                }
            }
            17 => {
                // Outside the numbering plan: 0x and 1x series.
                let mut d = [0u8; 8];
                d[0] = self.rng.below(2) as u8;
                for x in &mut d[1..] {
                    *x = self.rng.digit();
                }
                self.push("tlf ");
                self.decoy(
                    "phone outside the plan (0x/1x)",
                    &grouped(&d, &[2, 2, 2, 2], " "),
                );
            }
            _ => {
                // 12-digit M2M number: no 8-digit phone inside it.
                let mut d = [0u8; 12];
                d[0] = 5;
                d[1] = 8;
                for x in &mut d[2..] {
                    *x = self.rng.digit();
                }
                self.push("M2M-abonnement ");
                self.decoy("12-digit M2M number", &grouped(&d, &[4, 4, 4], " "));
            }
        }
    }
}
