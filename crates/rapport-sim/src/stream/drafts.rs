//! Writing each kind of post: originals, replies, reposts, copies, spam, noise, feeds,
//! Hacker News, the brand's own posts and incident complaints.

use super::*;

impl Simulator {
    pub(super) fn base_post(&mut self, t: f64) -> SimPost {
        let kind = KINDS[self.kinds.sample(&mut self.dice).unwrap_or(0)].0;
        let draft = match kind {
            Kind::Original => None,
            Kind::Reply => self.reply(),
            Kind::Repost => self.repost(),
            Kind::NearDuplicate => self.near_duplicate(false),
            Kind::Spam => self.spam(),
            Kind::Noise => Some(self.noise()),
            Kind::Feed => self.feed(None),
            Kind::HackerNews => self.hacker_news(),
            Kind::BrandPost => self.brand_post(),
        };
        let draft = match draft {
            Some(d) => d,
            None => self.original(),
        };
        self.finish(draft, t)
    }

    pub(super) fn incident_post(&mut self, index: usize, t: f64) -> SimPost {
        let roll = self.dice.unit();
        let draft = if roll < 0.04 {
            self.near_duplicate(true)
        } else if roll < 0.06 {
            self.feed(Some(index))
        } else {
            None
        };
        let draft = match draft {
            Some(d) => d,
            None => self.incident_complaint(index, roll < 0.18),
        };
        self.finish(draft, t)
    }

    pub(super) fn render_with(
        &mut self,
        template: &str,
        subject: Subject,
        lang: Lang,
        network: Network,
        topic: Option<&str>,
    ) -> String {
        let friend = if templates::has_slot(template, &["user"]) {
            self.pool
                .on(&mut self.dice, network, lang)
                .map(|i| mention(&self.pool.authors[i], network))
        } else {
            None
        };
        let product = match subject.product {
            Some(p) => Some(p),
            None => self.any_product(subject.maker),
        };
        let other = match subject.product {
            Some(_) => self.rival(subject),
            None => None,
        };
        let world = &self.config.world;
        let ctx = Ctx {
            world,
            lang,
            network,
            maker: maker_of(world, subject.maker),
            product: product.and_then(|p| product_of(world, subject.maker, p)),
            thing_is_product: subject.product.is_some(),
            other: other
                .and_then(|(m, p)| product_of(world, m, p).map(|prod| (maker_of(world, m), prod))),
            topic,
            friend: friend.as_deref(),
        };
        templates::render(template, &ctx, &mut self.dice)
    }

    pub(super) fn truth(&self, t: &T, subject: Option<Subject>) -> Truth {
        Truth {
            intent: t.0,
            sentiment: t.1,
            subject: subject.map(|s| subject_name(&self.config.world, s)),
            incident: false,
            spam: t.0 == Intent::Spam,
            near_duplicate_of: None,
            repost_of: None,
            // Filled in when the post is published.
            lang: String::new(),
        }
    }

    pub(super) fn draft(
        &self,
        author: usize,
        text: String,
        truth: Truth,
        subject: Option<Subject>,
    ) -> Draft {
        let a = self.author(author);
        Draft {
            network: a.network,
            author,
            lang: a.lang,
            text,
            title: None,
            truth,
            subject,
            role: Role::Root,
            styled: true,
            parent: None,
            subreddit: None,
            remember: true,
        }
    }

    pub(super) fn original(&mut self) -> Draft {
        let why = INTENTS[self.intents.sample(&mut self.dice).unwrap_or(0)].0;
        let mut subject = match why {
            Why::Campaign => Subject {
                maker: 0,
                product: self.products[0].sample(&mut self.dice),
            },
            Why::Purchase => self.pick_subject(true),
            _ => self.pick_subject(false),
        };
        let author = self.person(Some(why));
        let (network, lang) = {
            let a = self.author(author);
            (a.network, a.lang)
        };
        let lex = lexicon(lang);
        let product_level = subject.product.is_some();
        let list: &'static [T] = match (why, product_level) {
            (Why::Complaint, true) => lex.complaint_product,
            (Why::Complaint, false) => lex.complaint_maker,
            (Why::Question, true) => lex.question_product,
            (Why::Question, false) => lex.question_maker,
            (Why::Praise, true) => lex.praise_product,
            (Why::Praise, false) => lex.praise_maker,
            (Why::Purchase, true) if self.dice.chance(0.45) && self.rival(subject).is_some() => {
                lex.compare
            }
            (Why::Purchase, true) => lex.purchase,
            (Why::Purchase, false) => lex.question_maker,
            (Why::Other, true) => lex.other_product,
            (Why::Other, false) => lex.other_maker,
            (Why::Campaign, _) => lex.campaign,
        };
        let template = *self.dice.pick(list).unwrap_or(&FALLBACK);
        let text = self.render_with(template.2, subject, lang, network, None);
        // Campaign posts are about the brand (whatever product they show); so is a
        // template that names no product.
        if why == Why::Campaign || !mentions_product(template.2) {
            subject.product = None;
        }
        let truth = self.truth(&template, Some(subject));
        let mut draft = self.draft(author, text, truth, Some(subject));
        if network == Network::Reddit {
            self.reddit_title(&mut draft, subject);
        }
        draft
    }

    /// Reddit submissions need a title and a subreddit.
    pub(super) fn reddit_title(&mut self, draft: &mut Draft, subject: Subject) {
        draft.subreddit = Some(self.dice.word(names::subreddits(draft.lang)));
        let intent = draft.truth.intent;
        let title = if draft.lang == Lang::En && self.dice.chance(0.55) {
            let candidates: Vec<&T> = templates::REDDIT_TITLES
                .iter()
                .filter(|t| {
                    t.0 == intent && (subject.product.is_some() || !t.2.contains("{thing}"))
                })
                .collect();
            match self.dice.pick(&candidates) {
                Some(t) => {
                    let text = t.2;
                    self.render_with(text, subject, draft.lang, Network::Reddit, None)
                }
                None => style::first_sentence(&draft.text, 90),
            }
        } else {
            style::first_sentence(&draft.text, 90)
        };
        draft.title = Some(title);
    }

    pub(super) fn incident_complaint(&mut self, index: usize, question: bool) -> Draft {
        let (subject, topic) = {
            let run = &self.incidents[index];
            (run.subject, run.topic.clone())
        };
        let author = self.person(Some(Why::Complaint));
        let (network, lang) = {
            let a = self.author(author);
            (a.network, a.lang)
        };
        let lex = lexicon(lang);
        let list = if question {
            lex.incident_question
        } else {
            lex.incident
        };
        let template = *self.dice.pick(list).unwrap_or(&FALLBACK);
        let text = self.render_with(template.2, subject, lang, network, Some(&topic));
        let mut truth = self.truth(&template, Some(subject));
        truth.incident = true;
        let mut draft = self.draft(author, text, truth, Some(subject));
        if network == Network::Reddit {
            self.reddit_title(&mut draft, subject);
        }
        draft
    }

    pub(super) fn reply(&mut self) -> Option<Draft> {
        let slot = self.busy_network(&REPLY_NETWORKS)?;
        let parent_index = self.pick_recent(slot, false)?;
        let (parent, link) = {
            let e = &self.history[slot][parent_index];
            let link = Parent {
                native_id: e.native_id.clone(),
                root: e.root.clone(),
                depth: e.meta.depth,
                reddit: e.reddit.clone(),
            };
            (e.meta, link)
        };
        let network = PEOPLE_NETWORKS[slot];
        let parent_author = self.author(parent.author);
        let parent_is_brand = parent_author.persona == Persona::Brand;
        let parent_handle = mention(parent_author, network);

        // The brand answers complaints, questions and praise about itself.
        let brand = self.pool.brand_on(network);
        let about_brand = parent.subject.is_some_and(|s| s.maker == 0);
        let brand_chance = match parent.intent {
            Intent::Complaint if parent.incident => 0.5,
            Intent::Complaint => 0.35,
            Intent::Question => 0.25,
            Intent::Praise => 0.15,
            _ => 0.0,
        };
        let lex = lexicon(parent.lang);
        let (author, list, topical, role): (usize, &'static [T], bool, Role) = match brand {
            Some(b) if about_brand && !parent_is_brand && self.dice.chance(brand_chance) => {
                let list = match parent.intent {
                    Intent::Complaint => lex.brand_reply_complaint,
                    Intent::Question => lex.brand_reply_question,
                    _ => lex.brand_reply_praise,
                };
                (b, list, true, Role::Brand)
            }
            _ => {
                let mut author = self.pool.on(&mut self.dice, network, parent.lang)?;
                if author == parent.author {
                    author = self.pool.on(&mut self.dice, network, parent.lang)?;
                }
                let (list, topical): (&'static [T], bool) = if network == Network::HackerNews {
                    (templates::HN_COMMENTS, true)
                } else if parent.spam {
                    (lex.reply_spam, false)
                } else if parent_is_brand {
                    // Replies to the brand's posts: people's own takes on the brand.
                    match self.dice.below(4) {
                        0 => (lex.question_maker, true),
                        1 => (lex.praise_maker, true),
                        2 => (lex.complaint_maker, true),
                        _ => (lex.reply_chat, false),
                    }
                } else if parent.subject.is_none() || self.dice.chance(0.18) {
                    (lex.reply_chat, false)
                } else {
                    match parent.intent {
                        Intent::Complaint => (lex.reply_complaint, true),
                        Intent::Question => (lex.reply_question, true),
                        Intent::Praise => (lex.reply_praise, true),
                        Intent::PurchaseIntent => (lex.reply_purchase, true),
                        _ => (lex.reply_chat, false),
                    }
                };
                (author, list, topical, Role::Reply)
            }
        };
        let template = *self.dice.pick(list).unwrap_or(&FALLBACK);
        let subject = if parent_is_brand && role == Role::Reply {
            // People answering the brand talk about the brand.
            Some(Subject {
                maker: 0,
                product: None,
            })
            .filter(|_| topical)
        } else {
            parent.subject.filter(|_| topical)
        };
        let lang = if network == Network::HackerNews {
            Lang::En
        } else {
            parent.lang
        };
        let render_subject = subject.unwrap_or(Subject {
            maker: 0,
            product: None,
        });
        let body = self.render_with(template.2, render_subject, lang, network, None);
        let text = match network {
            Network::X | Network::Mastodon => format!("{parent_handle} {body}"),
            Network::Bluesky if self.dice.chance(0.3) => format!("{parent_handle} {body}"),
            _ => body,
        };
        let mut truth = self.truth(&template, subject);
        truth.incident = parent.incident;
        let mut draft = self.draft(author, text, truth, subject);
        draft.lang = lang;
        draft.role = role;
        draft.styled = role != Role::Brand && network != Network::HackerNews;
        draft.parent = Some(link);
        Some(draft)
    }

    pub(super) fn repost(&mut self) -> Option<Draft> {
        let slot = self.busy_network(&REPOST_NETWORKS)?;
        let index = self.pick_recent(slot, true)?;
        let (original, original_id, original_text) = {
            let e = &self.history[slot][index];
            (e.meta, e.native_id.clone(), e.text.clone())
        };
        if original.spam && self.dice.chance(0.8) {
            return None;
        }
        let network = PEOPLE_NETWORKS[slot];
        let mut author = self.pool.on(&mut self.dice, network, original.lang)?;
        if author == original.author {
            author = self.pool.on(&mut self.dice, network, original.lang)?;
        }
        let text = match network {
            Network::X => format!(
                "RT {}: {}",
                mention(self.author(original.author), network),
                original_text
            ),
            _ => original_text,
        };
        let truth = Truth {
            intent: original.intent,
            sentiment: original.sentiment,
            subject: original
                .subject
                .map(|s| subject_name(&self.config.world, s)),
            incident: original.incident,
            spam: original.spam,
            near_duplicate_of: None,
            repost_of: Some(original_id),
            lang: String::new(),
        };
        let mut draft = self.draft(author, text, truth, original.subject);
        draft.lang = original.lang;
        draft.role = Role::Repost;
        draft.styled = false;
        draft.remember = false;
        Some(draft)
    }

    /// Copypasta: a recent root post (junk by preference, or an incident complaint)
    /// copied with small edits by someone else.
    pub(super) fn near_duplicate(&mut self, incident: bool) -> Option<Draft> {
        let slot = self.busy_network(&COPY_NETWORKS)?;
        let len = self.history[slot].len();
        let mut chosen: Option<usize> = None;
        for _ in 0..8 {
            let i = self.dice.below(len);
            let e = &self.history[slot][i].meta;
            if e.depth > 0 || self.author(e.author).persona == Persona::Brand {
                continue;
            }
            let wanted = if incident { e.incident } else { e.spam };
            if wanted {
                chosen = Some(i);
                break;
            }
            if !incident && chosen.is_none() {
                chosen = Some(i);
            }
        }
        let chosen = chosen?;
        let source = self.history[slot][chosen].meta;
        let network = PEOPLE_NETWORKS[slot];
        let author = if source.spam {
            self.pool.spammer_on(&mut self.dice, network)
        } else {
            self.pool.on(&mut self.dice, network, source.lang)
        }?;
        if author == source.author {
            return None;
        }
        let text = style::vary(&self.history[slot][chosen].text, &mut self.dice);
        let truth = Truth {
            intent: source.intent,
            sentiment: source.sentiment,
            subject: source.subject.map(|s| subject_name(&self.config.world, s)),
            incident: source.incident,
            spam: source.spam,
            near_duplicate_of: Some(self.history[slot][chosen].native_id.clone()),
            repost_of: None,
            lang: String::new(),
        };
        let mut draft = self.draft(author, text, truth, source.subject);
        draft.lang = source.lang;
        draft.styled = false;
        draft.role = if source.spam { Role::Spam } else { Role::Root };
        if network == Network::Reddit {
            draft.subreddit = Some(self.dice.word(names::subreddits(source.lang)));
            draft.title = Some(style::first_sentence(&draft.text, 90));
        }
        Some(draft)
    }

    pub(super) fn spam(&mut self) -> Option<Draft> {
        let author = self.pool.spammers.pick(&mut self.dice)?;
        let (network, lang) = {
            let a = self.author(author);
            (a.network, a.lang)
        };
        let maker = if self.dice.chance(0.8) || self.products.len() < 2 {
            0
        } else {
            self.pick_competitor(false)
        };
        let mut subject = Subject {
            maker,
            product: self.any_product(maker),
        };
        let template = *self.dice.pick(lexicon(lang).spam).unwrap_or(&FALLBACK);
        if !mentions_product(template.2) {
            subject.product = None;
        }
        let text = self.render_with(template.2, subject, lang, network, None);
        let truth = self.truth(&template, Some(subject));
        let mut draft = self.draft(author, text, truth, Some(subject));
        draft.role = Role::Spam;
        Some(draft)
    }

    pub(super) fn noise(&mut self) -> Draft {
        let author = self.person(None);
        let (network, lang) = {
            let a = self.author(author);
            (a.network, a.lang)
        };
        let template = *self.dice.pick(lexicon(lang).noise).unwrap_or(&FALLBACK);
        let subject = Subject {
            maker: 0,
            product: None,
        };
        let text = self.render_with(template.2, subject, lang, network, None);
        let truth = self.truth(&template, None);
        let mut draft = self.draft(author, text, truth, None);
        if network == Network::Reddit {
            draft.subreddit = Some(self.dice.word(names::subreddits(lang)));
            draft.title = Some(style::first_sentence(&draft.text, 90));
        }
        draft
    }

    /// A blog or news item; during an incident, coverage of it.
    pub(super) fn feed(&mut self, incident: Option<usize>) -> Option<Draft> {
        let author = self.pool.publications.pick(&mut self.dice)?;
        let lang = self.author(author).lang;
        let lex: &Lexicon = lexicon(lang);
        let (subject, topic, list): (Subject, Option<String>, &'static [F]) = match incident {
            Some(i) => {
                let run = &self.incidents[i];
                (run.subject, Some(run.topic.clone()), lex.incident_feed)
            }
            None => (self.pick_subject(true), None, lex.feed),
        };
        let item = *self.dice.pick(list)?;
        let title = self.render_with(item.2, subject, lang, Network::Feed, topic.as_deref());
        let body = self.render_with(item.3, subject, lang, Network::Feed, topic.as_deref());
        let mut truth = self.truth(&T(item.0, item.1, ""), Some(subject));
        truth.incident = incident.is_some();
        let mut draft = self.draft(author, body, truth, Some(subject));
        draft.title = Some(title);
        draft.styled = false;
        draft.remember = false;
        Some(draft)
    }

    pub(super) fn hacker_news(&mut self) -> Option<Draft> {
        let author = self
            .pool
            .on(&mut self.dice, Network::HackerNews, Lang::En)?;
        let subject = self.pick_subject(true);
        let story = *self.dice.pick(templates::HN_STORIES)?;
        let title = self.render_with(story.2, subject, Lang::En, Network::HackerNews, None);
        let text = if story.3.is_empty() {
            title.clone()
        } else {
            self.render_with(story.3, subject, Lang::En, Network::HackerNews, None)
        };
        let truth = self.truth(&T(story.0, story.1, ""), Some(subject));
        let mut draft = self.draft(author, text, truth, Some(subject));
        draft.title = Some(title);
        draft.lang = Lang::En;
        draft.styled = false;
        Some(draft)
    }

    pub(super) fn brand_post(&mut self) -> Option<Draft> {
        let slot = self.dice.index(&REPOST_NETWORKS)?;
        let author = self.pool.brand_on(PEOPLE_NETWORKS[slot])?;
        let template = *self.dice.pick(lexicon(Lang::En).brand_promo)?;
        let mut subject = Subject {
            maker: 0,
            product: self.products[0].sample(&mut self.dice),
        };
        if !mentions_product(template.2) {
            subject.product = None;
        }
        let network = PEOPLE_NETWORKS[slot];
        let text = self.render_with(template.2, subject, Lang::En, network, None);
        let truth = self.truth(&template, Some(subject));
        let mut draft = self.draft(author, text, truth, Some(subject));
        draft.role = Role::Brand;
        draft.styled = false;
        Some(draft)
    }
}
