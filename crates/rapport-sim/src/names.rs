//! Name material for authors: first and last names per language, words, instances, blogs.

use crate::lang::Lang;

pub(crate) fn first_names(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Emma", "Olivia", "Liam", "Noah", "Ava", "Mia", "Jack", "Ethan", "Chloe", "Lucas",
            "Harper", "Mason", "Amelia", "Logan", "Ella", "Owen", "Grace", "Caleb", "Zoe", "Ryan",
            "Nora", "Dylan", "Leah", "Sam", "Maya", "Jordan", "Alex", "Taylor", "Riley", "Casey",
            "Priya", "Arjun", "Wei", "Hana", "Omar", "Fatima", "Kenji", "Aisha", "Marcus", "Tessa",
            "Ben", "Kate", "Luke", "Jess", "Tom", "Becca", "Nate", "Abby", "Chris", "Dana",
        ],
        Lang::Es => &[
            "Lucía",
            "Mateo",
            "Sofía",
            "Javier",
            "Valentina",
            "Diego",
            "Camila",
            "Andrés",
            "Martina",
            "Pablo",
            "Carmen",
            "Alejandro",
            "Paula",
            "Sergio",
            "Daniela",
            "Miguel",
            "Elena",
            "Raúl",
            "Isabel",
            "Tomás",
            "Nerea",
            "Iker",
            "Ximena",
            "Rodrigo",
        ],
        Lang::Fr => &[
            "Chloé",
            "Antoine",
            "Camille",
            "Hugo",
            "Léa",
            "Julien",
            "Manon",
            "Théo",
            "Inès",
            "Maxime",
            "Élodie",
            "Nicolas",
            "Margaux",
            "Quentin",
            "Sarah",
            "Louis",
            "Clémence",
            "Bastien",
            "Océane",
            "Mathis",
        ],
        Lang::De => &[
            "Lukas",
            "Lena",
            "Jonas",
            "Anna",
            "Felix",
            "Marie",
            "Leon",
            "Sophie",
            "Maximilian",
            "Hannah",
            "Jürgen",
            "Katrin",
            "Tobias",
            "Julia",
            "Niklas",
            "Sabine",
            "Moritz",
            "Laura",
            "Jörg",
            "Anja",
        ],
        Lang::Pt => &[
            "João",
            "Beatriz",
            "Lucas",
            "Mariana",
            "Gabriel",
            "Ana",
            "Pedro",
            "Larissa",
            "Rafael",
            "Juliana",
            "Thiago",
            "Camila",
            "Felipe",
            "Letícia",
            "Bruno",
            "Fernanda",
            "Gustavo",
            "Aline",
            "Vinícius",
            "Débora",
        ],
    }
}

pub(crate) fn last_names(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Smith",
            "Carter",
            "Nguyen",
            "Patel",
            "Brooks",
            "Kim",
            "Walker",
            "Reyes",
            "Bennett",
            "Hughes",
            "Murphy",
            "Chen",
            "Foster",
            "Hayes",
            "Ward",
            "Coleman",
            "Price",
            "Russell",
            "Sullivan",
            "Okafor",
            "Lindqvist",
            "Novak",
            "Doyle",
            "Park",
            "Greene",
            "Shaw",
        ],
        Lang::Es => &[
            "García",
            "Romero",
            "Fernández",
            "López",
            "Martínez",
            "Sánchez",
            "Torres",
            "Navarro",
            "Ruiz",
            "Ortega",
            "Castillo",
            "Vargas",
            "Morales",
            "Herrera",
            "Iglesias",
            "Domínguez",
        ],
        Lang::Fr => &[
            "Martin",
            "Bernard",
            "Dubois",
            "Lefèvre",
            "Moreau",
            "Laurent",
            "Girard",
            "Rousseau",
            "Fontaine",
            "Chevalier",
            "Mercier",
            "Blanc",
            "Garnier",
            "Faure",
            "Roux",
            "Lemaire",
        ],
        Lang::De => &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Becker",
            "Wagner",
            "Hoffmann",
            "Schäfer",
            "Koch",
            "Richter",
            "Wolf",
            "Krause",
            "Neumann",
            "Braun",
            "Zimmermann",
        ],
        Lang::Pt => &[
            "Silva",
            "Santos",
            "Oliveira",
            "Souza",
            "Costa",
            "Pereira",
            "Almeida",
            "Ferreira",
            "Rodrigues",
            "Carvalho",
            "Gomes",
            "Ribeiro",
            "Araújo",
            "Barbosa",
            "Lima",
            "Teixeira",
        ],
    }
}

/// Words people put in handles.
pub(crate) const HANDLE_WORDS: &[&str] = &[
    "coffee",
    "brew",
    "bean",
    "espresso",
    "latte",
    "crema",
    "roast",
    "drip",
    "mocha",
    "barista",
    "cortado",
    "pourover",
    "java",
    "cafe",
    "grind",
    "morning",
    "caffeine",
    "flatwhite",
    "pixel",
    "cloud",
    "river",
    "fox",
    "maple",
    "wolf",
    "nova",
    "echo",
    "pine",
    "moss",
    "orbit",
    "comet",
    "sunny",
    "bytes",
    "noodle",
    "tiny",
    "retro",
    "lofi",
    "night",
    "owl",
];

/// Reddit's generated user names: Adjective-Noun-1234.
pub(crate) const REDDIT_ADJECTIVES: &[&str] = &[
    "Sudden", "Quiet", "Brave", "Lazy", "Witty", "Curious", "Plastic", "Ancient", "Electric",
    "Hungry", "Gloomy", "Jolly", "Nervous", "Royal", "Spicy", "Humble", "Fancy", "Sleepy",
];
pub(crate) const REDDIT_NOUNS: &[&str] = &[
    "Badger", "Otter", "Kettle", "Pancake", "Falcon", "Walrus", "Teapot", "Cactus", "Giraffe",
    "Spoon", "Raccoon", "Waffle", "Heron", "Muffin", "Lemur", "Pickle", "Narwhal", "Biscuit",
];

/// Words in spam accounts' handles.
pub(crate) const SPAM_WORDS: &[&str] = &[
    "crypto", "airdrop", "giveaway", "deals", "promo", "btc", "moon", "profit", "bonus", "win",
];
pub(crate) const SPAM_SUFFIXES: &[&str] = &[
    "king", "queen", "hub", "alerts", "daily", "pro", "zone", "club",
];
pub(crate) const SPAM_DISPLAY: &[&str] = &[
    "Crypto Deals 🚀",
    "Giveaway Hub 🎁",
    "Airdrop Alerts",
    "Daily Deals ✨",
    "💰 Profit Signals 💰",
    "FREE STUFF 🎉",
    "Moon Club 🌙",
    "Promo Codes 24/7",
];

/// Mastodon instances by language.
pub(crate) fn instances(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "mastodon.social",
            "mastodon.social",
            "mastodon.online",
            "mas.to",
            "fosstodon.org",
            "hachyderm.io",
            "mstdn.social",
            "techhub.social",
        ],
        Lang::Es => &["mastodon.social", "masto.es", "mast.lat", "mastodon.social"],
        Lang::Fr => &["piaille.fr", "mamot.fr", "framapiaf.org", "mastodon.social"],
        Lang::De => &[
            "chaos.social",
            "norden.social",
            "det.social",
            "troet.cafe",
            "mastodon.social",
        ],
        Lang::Pt => &[
            "masto.donte.com.br",
            "mastodon.com.br",
            "bolha.us",
            "mastodon.social",
        ],
    }
}

/// Blogs, review and news sites that publish feeds: (name, host, language).
pub(crate) const BLOGS: &[(&str, &str, Lang)] = &[
    (
        "The Daily Grind Review",
        "dailygrindreview.example",
        Lang::En,
    ),
    ("Crema Notes", "cremanotes.example", Lang::En),
    ("Home Barista Weekly", "homebaristaweekly.example", Lang::En),
    ("Gadget Brewhouse", "gadgetbrewhouse.example", Lang::En),
    ("Kitchen Tech Digest", "kitchentechdigest.example", Lang::En),
    ("Bean Counter", "beancounter.example", Lang::En),
    ("Third Wave Home", "thirdwavehome.example", Lang::En),
    ("Smart Home Drip", "smarthomedrip.example", Lang::En),
    ("Café en Casa", "cafeencasa.example", Lang::Es),
    (
        "El Rincón del Barista",
        "rincondelbarista.example",
        Lang::Es,
    ),
    ("Le Petit Barista", "lepetitbarista.example", Lang::Fr),
    ("Café & Gadgets", "cafe-gadgets.example", Lang::Fr),
    ("Kaffeesatz", "kaffeesatz.example", Lang::De),
    ("Siebträger-Welt", "siebtraeger-welt.example", Lang::De),
    ("Café com Método", "cafecommetodo.example", Lang::Pt),
    ("Blog do Barista", "blogdobarista.example", Lang::Pt),
];

/// Subreddits where coffee gear is discussed, by language.
pub(crate) fn subreddits(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Coffee",
            "Coffee",
            "espresso",
            "espresso",
            "espresso",
            "pourover",
            "BuyItForLife",
            "homebarista",
            "smarthome",
            "Frugal",
        ],
        Lang::Es => &["es", "Cafe"],
        Lang::Fr => &["france", "cafe"],
        Lang::De => &["de", "Kaffee"],
        Lang::Pt => &["brasil", "cafe"],
    }
}

/// ASCII-folds a name for handles (`Jürgen` → `jurgen`), lower case, letters and digits only.
pub(crate) fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = c.to_lowercase().next().unwrap_or(c);
        let folded = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => continue,
        };
        out.push_str(folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_strips_accents_and_punctuation() {
        assert_eq!(fold("Jürgen"), "jurgen");
        assert_eq!(fold("Élodie"), "elodie");
        assert_eq!(fold("João"), "joao");
        assert_eq!(fold("Schäfer-Weiß"), "schaferweiss");
    }
}
