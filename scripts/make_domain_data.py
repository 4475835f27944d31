"""Build the small medical and finance example datasets used by domain-adaptation demos.

All of the text comes from two glossaries written for this repository and embedded below (MIT
licence, like the rest of the repo; nothing is copied from an outside source). Each glossary entry
is a term, a one- or two-sentence definition and an extra fact or worked example. Every term
becomes two alpaca rows (``instruction``, ``input``, ``output``) asked with two of four question
templates, and a third of the terms also become an OpenAI-style conversation row (``messages``),
about half of them with a follow-up question answered by the extra fact. Templates and the
conversation subset are picked from SHA-256 hashes of the terms and the rows are shuffled with
``random.Random(0)``, so the output is byte-identical between runs.

Run from anywhere:

    python scripts/make_domain_data.py [--out-dir data]

It writes ``<out-dir>/medical/medical_qa.jsonl`` and ``<out-dir>/finance/finance_qa.jsonl``.
The medical text is educational only, not medical advice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "data"
SHUFFLE_SEED = 0
CONVERSATION_EVERY = 3  # one term in three also becomes a conversation row

# Question templates. {subject} and {verb} come from the start of the definition ("Beta
# blockers are ...", "An ECG (electrocardiogram) is ..."), so the questions stay grammatical.
ALPACA_TEMPLATES = (
    "What {verb} {subject}?",
    "Explain what {subject} {verb} in simple terms.",
    'Define the term "{term}".',
    'What does "{term}" mean in {field}?',
)
ALPACA_ROWS_PER_TERM = 2
OPENING_TEMPLATES = (
    'I keep hearing the term "{term}". What does it mean?',
    "Can you explain what {subject} {verb}?",
    "What {verb} {subject}? Please keep it simple.",
)
EXAMPLE_FOLLOW_UP = "Can you give an example?"
GENERAL_FOLLOW_UPS = (
    "Can you tell me a bit more?",
    "What else is useful to know about it?",
    "Is there anything else worth knowing?",
)
EXAMPLE_OPENINGS = ("For example", "Examples include")

SUBJECT_AND_VERB = re.compile(r"^(?P<subject>.+?) (?P<verb>is|are) ")
LEADING_ARTICLE = re.compile(r"^(?P<article>A|An|The) ")


class Entry(NamedTuple):
    """One glossary entry: a term, its definition and an optional extra fact or example."""

    term: str
    definition: str
    extra: str = ""


@dataclass(frozen=True)
class Domain:
    """A glossary plus the wording used to turn it into rows."""

    name: str
    field: str  # completes "What does X mean in ...?"
    system_prompt: str
    glossary: tuple[Entry, ...]


def stable_hash(text: str) -> int:
    """Return a process-independent integer hash of ``text``."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


def subject_and_verb(entry: Entry) -> tuple[str, str]:
    """Return the phrase a definition opens with, as it reads mid-sentence, and its verb.

    "An ECG (electrocardiogram) is ..." gives ("an ECG (electrocardiogram)", "is");
    "Hypertension is ..." gives ("hypertension", "is"), the term keeping its glossary case.
    """
    match = SUBJECT_AND_VERB.match(entry.definition)
    if match is None:
        raise ValueError(f"{entry.term!r}: the definition must open with '<term> is/are ...'")
    subject, article = match["subject"], ""
    article_match = LEADING_ARTICLE.match(subject)
    if article_match:
        article = article_match["article"].lower() + " "
        subject = subject[article_match.end() :]
    if not subject.lower().startswith(entry.term.lower()) or "," in subject:
        raise ValueError(f"{entry.term!r}: the definition opens with {match['subject']!r}")
    return article + entry.term + subject[len(entry.term) :], match["verb"]


def full_answer(entry: Entry) -> str:
    """The definition followed by the extra fact, when there is one."""
    return f"{entry.definition} {entry.extra}".strip()


def fill(template: str, entry: Entry, field: str) -> str:
    """Fill a question template for ``entry``."""
    subject, verb = subject_and_verb(entry)
    return template.format(term=entry.term, subject=subject, verb=verb, field=field)


def alpaca_template_indices(term: str) -> list[int]:
    """Pick ALPACA_ROWS_PER_TERM distinct template indices from a hash of the term."""
    digest = stable_hash("alpaca:" + term)
    n = len(ALPACA_TEMPLATES)
    first = digest % n
    second = (first + 1 + (digest // n) % (n - 1)) % n
    return [first, second][:ALPACA_ROWS_PER_TERM]


def alpaca_row(instruction: str, output: str) -> dict[str, Any]:
    """An alpaca-style row with an empty input."""
    return {"instruction": instruction, "input": "", "output": output}


def alpaca_rows(entry: Entry, domain: Domain) -> list[dict[str, Any]]:
    """The alpaca rows for one term, one per chosen question template."""
    return [
        alpaca_row(fill(ALPACA_TEMPLATES[i], entry, domain.field), full_answer(entry))
        for i in alpaca_template_indices(entry.term)
    ]


def conversation_terms(glossary: tuple[Entry, ...]) -> set[str]:
    """The third of the terms (by hash order) that also become conversation rows."""
    ranked = sorted(glossary, key=lambda e: (stable_hash("conversation:" + e.term), e.term))
    return {e.term for e in ranked[: len(glossary) // CONVERSATION_EVERY]}


def has_follow_up(entry: Entry) -> bool:
    """Whether the conversation for ``entry`` gets a second, follow-up turn."""
    return bool(entry.extra) and stable_hash("follow-up:" + entry.term) % 2 == 0


def follow_up_question(entry: Entry) -> str:
    """Ask for an example when the extra text is one, otherwise for more detail."""
    if entry.extra.startswith(EXAMPLE_OPENINGS):
        return EXAMPLE_FOLLOW_UP
    return GENERAL_FOLLOW_UPS[stable_hash("follow-up-question:" + entry.term) % 3]


def message(role: str, content: str) -> dict[str, str]:
    """One OpenAI-style chat message."""
    return {"role": role, "content": content}


def conversation_row(entry: Entry, domain: Domain) -> dict[str, Any]:
    """An OpenAI-style conversation about one term, with one or two user turns."""
    opening = OPENING_TEMPLATES[stable_hash("opening:" + entry.term) % len(OPENING_TEMPLATES)]
    messages = [
        message("system", domain.system_prompt),
        message("user", fill(opening, entry, domain.field)),
    ]
    if has_follow_up(entry):
        messages += [
            message("assistant", entry.definition),
            message("user", follow_up_question(entry)),
            message("assistant", entry.extra),
        ]
    else:
        messages.append(message("assistant", full_answer(entry)))
    return {"messages": messages}


def row_kind(row: dict[str, Any]) -> str:
    """Name a row's format for the summary printed at the end."""
    if "messages" not in row:
        return "alpaca"
    user_turns = sum(m["role"] == "user" for m in row["messages"])
    return f"conversation ({user_turns} turn{'s' if user_turns > 1 else ''})"


def check_glossary(domain: Domain) -> None:
    """Reject duplicate terms, unfinished sentences and definitions that make bad questions."""
    seen: set[str] = set()
    for entry in domain.glossary:
        key = entry.term.lower()
        if key in seen:
            raise ValueError(f"{domain.name}: duplicate term {entry.term!r}")
        seen.add(key)
        for text in (entry.definition, entry.extra):
            if text and (not text.endswith(".") or "\n" in text or "  " in text):
                raise ValueError(f"{domain.name}: {entry.term!r}: malformed text {text[:60]!r}")
        subject_and_verb(entry)


def build_rows(domain: Domain) -> list[dict[str, Any]]:
    """All rows for one domain, alpaca and conversation, shuffled with a fixed seed."""
    chat_terms = conversation_terms(domain.glossary)
    rows: list[dict[str, Any]] = []
    for entry in domain.glossary:
        rows.extend(alpaca_rows(entry, domain))
        if entry.term in chat_terms:
            rows.append(conversation_row(entry, domain))
    random.Random(SHUFFLE_SEED).shuffle(rows)
    return rows


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows as sorted-key UTF-8 JSON lines, each newline-terminated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def parse_args() -> argparse.Namespace:
    """Parse command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="data directory; writes <out-dir>/<domain>/<domain>_qa.jsonl (default: repo data/)",
    )
    return parser.parse_args()


def main() -> None:
    """Generate both datasets and print the row counts per domain and format."""
    args = parse_args()
    for domain in domains():
        check_glossary(domain)
        rows = build_rows(domain)
        path = args.out_dir / domain.name / f"{domain.name}_qa.jsonl"
        write_jsonl(rows, path)
        counts = Counter(row_kind(row) for row in rows)
        detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
        print(f"{domain.name}: {len(domain.glossary)} terms, {len(rows)} rows ({detail}) -> {path}")


# ---------------------------------------------------------------------------------------------
# The glossaries. Written for this repository; plain, general-audience definitions.
# ---------------------------------------------------------------------------------------------

MEDICAL_GLOSSARY: tuple[Entry, ...] = (
    Entry(
        "hypertension",
        "Hypertension is blood pressure that stays higher than normal over time, commonly called"
        " high blood pressure. Over years it strains the heart and blood vessels and raises the"
        " risk of heart attack, stroke and kidney disease.",
        "It usually causes no symptoms, so regular blood pressure checks are the main way it is"
        " found.",
    ),
    Entry(
        "type 1 diabetes",
        "Type 1 diabetes is a condition in which the immune system destroys the insulin-producing"
        " cells of the pancreas, so the body makes little or no insulin and glucose builds up in"
        " the blood.",
        "People with type 1 diabetes need insulin treatment for life; it often begins in childhood"
        " or young adulthood but can start at any age.",
    ),
    Entry(
        "type 2 diabetes",
        "Type 2 diabetes is a long-term condition in which the body does not respond properly to"
        " insulin (insulin resistance) and, over time, does not make enough of it, so blood"
        " glucose stays too high.",
        "Risk factors include excess body weight, physical inactivity, older age and family"
        " history; management usually combines lifestyle changes with glucose-lowering medicines.",
    ),
    Entry(
        "prediabetes",
        "Prediabetes is a state in which blood glucose is higher than normal but not yet high"
        " enough to be diagnosed as type 2 diabetes.",
        "It is often found with an HbA1c or fasting glucose test, and weight loss and regular"
        " physical activity can lower the chance of it progressing to diabetes.",
    ),
    Entry(
        "hypoglycemia",
        "Hypoglycemia is a blood glucose level that has fallen below the normal range, often"
        " called low blood sugar.",
        "Typical symptoms include shakiness, sweating, a fast heartbeat, hunger and confusion; it"
        " is most common in people treated with insulin or certain other diabetes medicines.",
    ),
    Entry(
        "asthma",
        "Asthma is a long-term lung condition in which the airways become inflamed and narrowed,"
        " making breathing difficult at times.",
        "Common symptoms are wheezing, coughing, chest tightness and shortness of breath, often"
        " triggered by allergens, exercise, cold air or respiratory infections.",
    ),
    Entry(
        "chronic obstructive pulmonary disease",
        "Chronic obstructive pulmonary disease (COPD) is a long-term lung disease that causes"
        " persistent airflow limitation, usually through a combination of chronic bronchitis and"
        " emphysema.",
        "Tobacco smoking is the leading cause in many countries, and long-term exposure to smoke"
        " from burning fuels indoors is another major cause.",
    ),
    Entry(
        "pneumonia",
        "Pneumonia is an infection that inflames the air sacs (alveoli) in one or both lungs,"
        " which may fill with fluid or pus.",
        "It can be caused by bacteria, viruses or fungi, and typical symptoms include cough,"
        " fever, chills and difficulty breathing.",
    ),
    Entry(
        "anemia",
        "Anemia is a condition in which the blood has fewer healthy red blood cells or less"
        " hemoglobin than normal, reducing how much oxygen it can carry to the body's tissues.",
        "Iron deficiency is the most common cause worldwide, and typical symptoms include"
        " tiredness, weakness, pale skin and shortness of breath.",
    ),
    Entry(
        "migraine",
        "Migraine is a neurological condition that causes recurring, often severe headaches,"
        " usually throbbing and frequently on one side of the head.",
        "Attacks are often accompanied by nausea and sensitivity to light and sound, and some"
        " people notice a visual disturbance called an aura beforehand.",
    ),
    Entry(
        "stroke",
        "A stroke is damage to part of the brain caused by an interruption of its blood supply,"
        " either by a blocked artery (ischemic stroke) or by bleeding (hemorrhagic stroke).",
        "Warning signs can be remembered with the acronym FAST: Face drooping, Arm weakness,"
        " Speech difficulty, Time to call emergency services.",
    ),
    Entry(
        "transient ischemic attack",
        "A transient ischemic attack (TIA) is a brief episode of stroke-like symptoms caused by a"
        " temporary reduction of blood flow to part of the brain, typically without lasting"
        " damage.",
        "It is sometimes called a mini-stroke and is an important warning sign that a full stroke"
        " may follow, so it needs urgent medical assessment.",
    ),
    Entry(
        "myocardial infarction",
        "A myocardial infarction (heart attack) is the death of part of the heart muscle because"
        " its blood supply has been blocked, usually by a blood clot in a coronary artery.",
        "Typical symptoms include chest pain or pressure that may spread to the arm, jaw or back,"
        " shortness of breath and sweating, although symptoms can be milder or unusual, especially"
        " in women and older adults.",
    ),
    Entry(
        "angina",
        "Angina is chest pain or discomfort caused by the heart muscle not getting enough"
        " oxygen-rich blood, usually because the coronary arteries are narrowed.",
        "Stable angina typically comes on with exertion or stress and eases with rest, whereas new"
        " chest pain or chest pain at rest needs emergency assessment.",
    ),
    Entry(
        "atrial fibrillation",
        "Atrial fibrillation is a common heart rhythm disorder in which the upper chambers of the"
        " heart (the atria) beat irregularly and often fast.",
        "It raises the risk of stroke because blood clots can form in the atria, which is why"
        " anticoagulant medicines are often used.",
    ),
    Entry(
        "heart failure",
        "Heart failure is a condition in which the heart cannot pump blood as well as the body"
        " needs; it does not mean that the heart has stopped.",
        "Common symptoms include breathlessness, tiredness and swelling of the ankles and legs"
        " caused by fluid build-up.",
    ),
    Entry(
        "atherosclerosis",
        "Atherosclerosis is the gradual build-up of fatty deposits called plaque in the walls of"
        " arteries, which narrows and stiffens them.",
        "It is the main underlying cause of most heart attacks and ischemic strokes, and risk"
        " factors include smoking, high LDL cholesterol, high blood pressure and diabetes.",
    ),
    Entry(
        "deep vein thrombosis",
        "Deep vein thrombosis (DVT) is a blood clot that forms in a deep vein, most often in the"
        " leg.",
        "It can cause pain and swelling in the affected leg, and a piece of the clot can break off"
        " and travel to the lungs, causing a pulmonary embolism.",
    ),
    Entry(
        "pulmonary embolism",
        "A pulmonary embolism is a blockage of an artery in the lungs, usually by a blood clot"
        " that has traveled from a deep vein in the leg.",
        "Sudden shortness of breath, chest pain that worsens with breathing, and coughing are"
        " typical symptoms, and it is a medical emergency.",
    ),
    Entry(
        "hypercholesterolemia",
        "Hypercholesterolemia is a higher than healthy level of cholesterol in the blood,"
        " especially of LDL cholesterol.",
        "It usually causes no symptoms and is found with a lipid panel blood test; diet, physical"
        " activity and statins are common ways to lower it.",
    ),
    Entry(
        "osteoarthritis",
        "Osteoarthritis is the most common form of arthritis, in which the cartilage that cushions"
        " the ends of the bones in a joint gradually breaks down.",
        "It most often affects the knees, hips, hands and spine, causing pain and stiffness that"
        " tend to get worse with use of the joint.",
    ),
    Entry(
        "rheumatoid arthritis",
        "Rheumatoid arthritis is an autoimmune disease in which the immune system attacks the"
        " lining of the joints, causing painful swelling that can eventually damage cartilage and"
        " bone.",
        "It typically affects the small joints of the hands and feet on both sides of the body,"
        " and prolonged stiffness in the morning is common.",
    ),
    Entry(
        "osteoporosis",
        "Osteoporosis is a condition in which bones lose density and become thin and fragile, so"
        " they break more easily.",
        "It often causes no symptoms until a fracture occurs, commonly of the hip, spine or wrist,"
        " and it can be detected with a bone density (DXA) scan.",
    ),
    Entry(
        "gout",
        "Gout is a form of inflammatory arthritis caused by crystals of uric acid forming in a"
        " joint when the level of uric acid in the blood is high.",
        "Attacks come on suddenly with intense pain, redness and swelling, often in the joint at"
        " the base of the big toe.",
    ),
    Entry(
        "gastroesophageal reflux disease",
        "Gastroesophageal reflux disease (GERD) is a condition in which stomach acid frequently"
        " flows back up into the esophagus, irritating its lining.",
        "Heartburn, a burning feeling behind the breastbone, is the most common symptom, and"
        " proton pump inhibitors are one class of medicine used to reduce stomach acid.",
    ),
    Entry(
        "peptic ulcer",
        "A peptic ulcer is an open sore in the lining of the stomach or the first part of the"
        " small intestine (the duodenum).",
        "The two most common causes are infection with the bacterium Helicobacter pylori and"
        " long-term use of NSAIDs such as ibuprofen or aspirin.",
    ),
    Entry(
        "irritable bowel syndrome",
        "Irritable bowel syndrome (IBS) is a common long-term disorder of how the gut works,"
        " causing abdominal pain together with changes in bowel habits such as diarrhea,"
        " constipation or both.",
        "It does not cause visible damage to the bowel, and symptoms are often influenced by diet"
        " and stress.",
    ),
    Entry(
        "celiac disease",
        "Celiac disease is an autoimmune condition in which eating gluten, a protein found in"
        " wheat, barley and rye, damages the lining of the small intestine.",
        "The main treatment is a strict, lifelong gluten-free diet.",
    ),
    Entry(
        "hepatitis",
        "Hepatitis is inflammation of the liver, most often caused by a viral infection but also"
        " by alcohol, certain medicines or autoimmune disease.",
        "The main viral types are hepatitis A, B, C, D and E, and vaccines are widely available"
        " against hepatitis A and B.",
    ),
    Entry(
        "cirrhosis",
        "Cirrhosis is late-stage scarring of the liver, in which healthy tissue is replaced by"
        " scar tissue so the liver can no longer work properly.",
        "Common causes include long-term heavy alcohol use, chronic viral hepatitis and fatty"
        " liver disease.",
    ),
    Entry(
        "chronic kidney disease",
        "Chronic kidney disease is a gradual, long-term loss of kidney function, defined by"
        " reduced filtering ability or signs of kidney damage lasting at least three months.",
        "Diabetes and high blood pressure are the most common causes, and it is usually monitored"
        " with the eGFR blood test and a urine test for protein.",
    ),
    Entry(
        "kidney stones",
        "Kidney stones are hard deposits of minerals and salts that form inside the kidneys.",
        "A stone moving through the urinary tract can cause severe pain in the side and back that"
        " often spreads toward the lower abdomen and groin.",
    ),
    Entry(
        "urinary tract infection",
        "A urinary tract infection (UTI) is an infection in any part of the urinary system, most"
        " commonly the bladder, usually caused by bacteria.",
        "Typical symptoms include a burning feeling when urinating, needing to urinate often and"
        " urgently, and cloudy urine.",
    ),
    Entry(
        "hypothyroidism",
        "Hypothyroidism is a condition in which the thyroid gland does not make enough thyroid"
        " hormone, slowing many of the body's processes.",
        "Symptoms can include tiredness, weight gain, feeling cold, dry skin and constipation; it"
        " is usually treated with thyroid hormone replacement.",
    ),
    Entry(
        "hyperthyroidism",
        "Hyperthyroidism is a condition in which the thyroid gland makes too much thyroid hormone,"
        " speeding up many of the body's processes.",
        "Symptoms can include weight loss, a fast or irregular heartbeat, nervousness, tremor and"
        " feeling too hot; Graves' disease, an autoimmune condition, is the most common cause in"
        " many countries.",
    ),
    Entry(
        "obesity",
        "Obesity is a condition of excess body fat that increases the risk of health problems; in"
        " adults it is commonly screened for as a body mass index (BMI) of 30 or higher.",
        "It raises the risk of type 2 diabetes, heart disease, some cancers and osteoarthritis.",
    ),
    Entry(
        "epilepsy",
        "Epilepsy is a neurological condition in which a person tends to have recurrent,"
        " unprovoked seizures caused by bursts of abnormal electrical activity in the brain.",
        "Seizures can take many forms, from brief staring spells to convulsions, and antiseizure"
        " medicines control them for many people.",
    ),
    Entry(
        "Parkinson's disease",
        "Parkinson's disease is a progressive brain disorder in which the nerve cells that produce"
        " dopamine gradually die, affecting movement.",
        "Its main features are tremor at rest, slowness of movement, muscle stiffness and problems"
        " with balance.",
    ),
    Entry(
        "Alzheimer's disease",
        "Alzheimer's disease is a progressive brain disease that slowly destroys memory and"
        " thinking skills, and it is the most common cause of dementia.",
        "It is associated with abnormal deposits of proteins in the brain known as amyloid plaques"
        " and tau tangles.",
    ),
    Entry(
        "dementia",
        "Dementia is an umbrella term for a decline in memory, thinking and reasoning that is"
        " severe enough to interfere with daily life.",
        "It is not a normal part of aging, and its causes include Alzheimer's disease, vascular"
        " disease and several other brain disorders.",
    ),
    Entry(
        "multiple sclerosis",
        "Multiple sclerosis (MS) is a long-term autoimmune disease in which the immune system"
        " damages the protective myelin coating around nerve fibers in the brain and spinal cord.",
        "Symptoms vary widely and can include vision problems, numbness, weakness, fatigue and"
        " difficulty with balance.",
    ),
    Entry(
        "depression",
        "Depression (major depressive disorder) is a mental health condition marked by a"
        " persistent low mood or loss of interest or pleasure in activities, lasting at least two"
        " weeks and affecting daily life.",
        "Other symptoms can include changes in sleep and appetite, low energy, difficulty"
        " concentrating and feelings of worthlessness; it is treatable with talking therapies,"
        " medicines or both.",
    ),
    Entry(
        "generalized anxiety disorder",
        "Generalized anxiety disorder is a mental health condition marked by excessive,"
        " hard-to-control worry about many everyday matters that lasts for months.",
        "It is often accompanied by restlessness, tiredness, muscle tension and trouble sleeping.",
    ),
    Entry(
        "sepsis",
        "Sepsis is a life-threatening condition in which the body's response to an infection"
        " damages its own tissues and organs.",
        "It is a medical emergency; warning signs include fever or a very low temperature, fast"
        " breathing, a fast heart rate and confusion.",
    ),
    Entry(
        "influenza",
        "Influenza (flu) is a contagious respiratory illness caused by influenza viruses.",
        "It usually starts suddenly with fever, aches, tiredness and cough, and a vaccine is"
        " offered every year because the circulating viruses change over time.",
    ),
    Entry(
        "common cold",
        "The common cold is a mild viral infection of the nose and throat, most often caused by"
        " rhinoviruses.",
        "Symptoms such as a runny nose, sneezing and a sore throat usually clear up within about a"
        " week to ten days, and antibiotics do not help because they do not work against viruses.",
    ),
    Entry(
        "COVID-19",
        "COVID-19 is the disease caused by the SARS-CoV-2 coronavirus, which spreads mainly"
        " through respiratory droplets and aerosols.",
        "Illness ranges from no symptoms at all to severe pneumonia, and vaccination lowers the"
        " risk of severe disease.",
    ),
    Entry(
        "tuberculosis",
        "Tuberculosis (TB) is a bacterial infection caused by Mycobacterium tuberculosis that most"
        " often affects the lungs and spreads through the air.",
        "It is treated with a combination of antibiotics taken for several months.",
    ),
    Entry(
        "eczema",
        "Eczema (atopic dermatitis) is a common long-term skin condition that makes the skin dry,"
        " itchy and inflamed.",
        "It often starts in childhood and is linked to asthma and hay fever; moisturizers and"
        " corticosteroid creams are common treatments.",
    ),
    Entry(
        "psoriasis",
        "Psoriasis is a long-term immune-mediated skin condition that causes raised, scaly patches"
        " of skin, often on the elbows, knees, scalp and lower back.",
        "It is not contagious; the patches form because skin cells are produced and shed much"
        " faster than normal.",
    ),
    Entry(
        "allergic rhinitis",
        "Allergic rhinitis (hay fever) is inflammation of the inside of the nose caused by an"
        " allergic reaction to airborne substances such as pollen, dust mites or animal dander.",
        "Sneezing, a runny or blocked nose and itchy eyes are typical, and antihistamines are a"
        " common treatment class.",
    ),
    Entry(
        "anaphylaxis",
        "Anaphylaxis is a severe, potentially life-threatening allergic reaction that develops"
        " quickly and affects several body systems at once.",
        "It can cause swelling of the throat, difficulty breathing and a drop in blood pressure;"
        " epinephrine (adrenaline) is the first-line emergency treatment.",
    ),
    Entry(
        "cancer",
        "Cancer is a group of diseases in which abnormal cells grow and divide without control and"
        " can invade nearby tissues.",
        "Cancers are usually named after the organ or type of cell where they start, and treatment"
        " classes include surgery, radiotherapy, chemotherapy, hormone therapy and immunotherapy.",
    ),
    Entry(
        "obstructive sleep apnea",
        "Obstructive sleep apnea is a sleep disorder in which the upper airway repeatedly becomes"
        " blocked during sleep, causing pauses in breathing.",
        "Loud snoring and daytime sleepiness are common signs, and a CPAP machine that keeps the"
        " airway open with gentle air pressure is a common treatment.",
    ),
    Entry(
        "glaucoma",
        "Glaucoma is a group of eye diseases that damage the optic nerve, often associated with"
        " raised pressure inside the eye.",
        "It usually causes no symptoms early on and slowly reduces side vision, so regular eye"
        " examinations are important for early detection.",
    ),
    Entry(
        "cardiovascular system",
        "The cardiovascular system is the heart together with the blood vessels, which carry blood"
        " around the body.",
        "It delivers oxygen and nutrients to the tissues and carries away waste products such as"
        " carbon dioxide.",
    ),
    Entry(
        "respiratory system",
        "The respiratory system is the set of organs and airways, including the nose, windpipe and"
        " lungs, that brings oxygen into the body and removes carbon dioxide.",
        "Gas exchange takes place in millions of tiny air sacs in the lungs called alveoli.",
    ),
    Entry(
        "nervous system",
        "The nervous system is the body's communication network, made up of the brain and spinal"
        " cord (the central nervous system) and the nerves that connect them to the rest of the"
        " body (the peripheral nervous system).",
        "It carries signals that control movement, sensation and thought, as well as automatic"
        " functions such as heart rate and digestion.",
    ),
    Entry(
        "digestive system",
        "The digestive system is the group of organs that breaks food down into nutrients the body"
        " can absorb, running from the mouth through the stomach and intestines to the anus.",
        "The liver, pancreas and gallbladder support digestion by producing or storing digestive"
        " juices such as bile and enzymes.",
    ),
    Entry(
        "immune system",
        "The immune system is the network of cells, tissues and organs that defends the body"
        " against infections and other harmful invaders.",
        "White blood cells, antibodies, the lymph nodes, the spleen and the bone marrow are all"
        " part of it.",
    ),
    Entry(
        "endocrine system",
        "The endocrine system is the collection of glands that produce hormones, the chemical"
        " messengers that travel in the blood to regulate body functions.",
        "Its glands include the pituitary, thyroid and adrenal glands and the pancreas, and it"
        " controls processes such as growth, metabolism and reproduction.",
    ),
    Entry(
        "musculoskeletal system",
        "The musculoskeletal system is the body's bones, muscles, cartilage, tendons, ligaments"
        " and joints, which together provide support, stability and movement.",
        "Bones also store minerals such as calcium, and the bone marrow inside them produces blood"
        " cells.",
    ),
    Entry(
        "urinary system",
        "The urinary system is the kidneys, ureters, bladder and urethra, which together filter"
        " waste from the blood and remove it from the body as urine.",
        "The kidneys also help control blood pressure and the balance of water and salts in the"
        " body.",
    ),
    Entry(
        "heart",
        "The heart is a muscular organ that pumps blood through the body; it has four chambers,"
        " two atria and two ventricles.",
        "The right side pumps blood to the lungs to pick up oxygen, and the left side pumps"
        " oxygen-rich blood to the rest of the body.",
    ),
    Entry(
        "lungs",
        "The lungs are the pair of spongy organs in the chest where oxygen passes from the air"
        " into the blood and carbon dioxide passes out of it.",
        "Each lung contains millions of tiny air sacs called alveoli, which together provide a"
        " very large surface for gas exchange.",
    ),
    Entry(
        "arteries",
        "Arteries are the blood vessels that carry blood away from the heart to the rest of the"
        " body.",
        "Most arteries carry oxygen-rich blood; the pulmonary arteries are the exception, carrying"
        " oxygen-poor blood from the heart to the lungs.",
    ),
    Entry(
        "veins",
        "Veins are the blood vessels that carry blood back toward the heart.",
        "Many veins, especially in the legs, contain one-way valves that stop blood from flowing"
        " backward.",
    ),
    Entry(
        "liver",
        "The liver is a large organ in the upper right abdomen that processes nutrients, makes"
        " proteins and bile, stores energy, and breaks down many medicines and toxins.",
        "It has a remarkable ability to regenerate lost or damaged tissue.",
    ),
    Entry(
        "kidneys",
        "The kidneys are two bean-shaped organs at the back of the abdomen that filter waste and"
        " excess fluid from the blood to make urine.",
        "They also help regulate blood pressure, the production of red blood cells and the balance"
        " of salts and minerals.",
    ),
    Entry(
        "pancreas",
        "The pancreas is a gland behind the stomach that produces digestive enzymes and the"
        " hormones insulin and glucagon, which regulate blood glucose.",
        "Its hormone-producing cells are grouped in small clusters called the islets of"
        " Langerhans.",
    ),
    Entry(
        "thyroid gland",
        "The thyroid gland is a butterfly-shaped gland at the front of the neck that produces"
        " hormones controlling the body's metabolism.",
        "Its activity is regulated by thyroid-stimulating hormone (TSH), which is released by the"
        " pituitary gland.",
    ),
    Entry(
        "bone marrow",
        "Bone marrow is the soft, spongy tissue inside many bones where blood cells are made.",
        "It produces red blood cells, white blood cells and platelets from stem cells.",
    ),
    Entry(
        "hemoglobin",
        "Hemoglobin is the iron-containing protein in red blood cells that carries oxygen from the"
        " lungs to the body's tissues.",
        "A low hemoglobin level in a blood test is one of the main signs of anemia.",
    ),
    Entry(
        "red blood cells",
        "Red blood cells are the most common cells in the blood; they carry oxygen from the lungs"
        " to the tissues and bring carbon dioxide back.",
        "They contain hemoglobin, which gives blood its red color, and each one lives for about"
        " 120 days.",
    ),
    Entry(
        "white blood cells",
        "White blood cells are the cells of the immune system that circulate in the blood and"
        " tissues and help fight infections.",
        "There are several types, including neutrophils, lymphocytes and monocytes, and a raised"
        " count can be a sign of infection or inflammation.",
    ),
    Entry(
        "platelets",
        "Platelets are small cell fragments in the blood that help it clot and stop bleeding.",
        "A low platelet count can cause easy bruising and bleeding.",
    ),
    Entry(
        "insulin",
        "Insulin is a hormone made by the pancreas that lets cells take in glucose from the blood,"
        " lowering the blood glucose level.",
        "People with type 1 diabetes cannot make enough insulin and need it as a medicine.",
    ),
    Entry(
        "cholesterol",
        "Cholesterol is a waxy, fat-like substance that the body needs to build cells and make"
        " some hormones, and it travels in the blood packaged in particles called lipoproteins.",
        'LDL is often called "bad" cholesterol because high levels contribute to plaque in the'
        ' arteries, while HDL is called "good" cholesterol because it helps carry cholesterol'
        " away.",
    ),
    Entry(
        "blood pressure",
        "Blood pressure is the force of circulating blood against the walls of the arteries,"
        " recorded as two numbers in millimeters of mercury (mmHg).",
        "The first number (systolic) is the pressure when the heart beats, and the second"
        " (diastolic) is the pressure when the heart rests between beats.",
    ),
    Entry(
        "hormone",
        "A hormone is a chemical messenger produced by a gland and carried in the blood to act on"
        " other organs or tissues.",
        "Examples include insulin, which regulates blood glucose, and cortisol, which helps the"
        " body respond to stress.",
    ),
    Entry(
        "antibody",
        "An antibody is a Y-shaped protein made by the immune system that recognizes and binds to"
        " a specific target, such as part of a virus or bacterium.",
        "Antibodies are made by white blood cells called B cells, and vaccines work partly by"
        " prompting the body to make them.",
    ),
    Entry(
        "antigen",
        "An antigen is any substance that the immune system can recognize and respond to, such as"
        " a protein on the surface of a virus.",
        "Vaccines contain antigens, or instructions for making them, so that the body learns to"
        " recognize a germ without having the disease.",
    ),
    Entry(
        "inflammation",
        "Inflammation is the body's protective response to injury or infection, bringing extra"
        " blood flow and immune cells to the affected area.",
        "Short-term inflammation causes redness, heat, swelling and pain, while long-lasting"
        " (chronic) inflammation can contribute to diseases such as rheumatoid arthritis and"
        " atherosclerosis.",
    ),
    Entry(
        "metabolism",
        "Metabolism is the set of chemical processes in the body that turn food into energy and"
        " build or break down the substances cells need.",
        "The basal metabolic rate is the energy the body uses at rest to keep basic functions such"
        " as breathing and circulation going.",
    ),
    Entry(
        "HbA1c",
        "HbA1c (glycated hemoglobin) is a blood test result that reflects a person's average blood"
        " glucose level over roughly the past two to three months.",
        "It works because glucose attaches to hemoglobin in red blood cells, which live for about"
        " three months; it is used both to diagnose diabetes and to monitor how well it is"
        " controlled.",
    ),
    Entry(
        "ECG",
        "An ECG (electrocardiogram) is a quick, painless test that records the electrical activity"
        " of the heart using sticky electrodes placed on the skin.",
        "It can show abnormal heart rhythms such as atrial fibrillation and signs of a current or"
        " previous heart attack.",
    ),
    Entry(
        "CBC",
        "A CBC (complete blood count) is a common blood test that measures the numbers of red"
        " blood cells, white blood cells and platelets, as well as the hemoglobin level.",
        "It can help detect conditions such as anemia, infection and some blood disorders.",
    ),
    Entry(
        "lipid panel",
        "A lipid panel is a blood test that measures the fats in the blood, usually total"
        " cholesterol, LDL cholesterol, HDL cholesterol and triglycerides.",
        "It is used to help estimate a person's risk of heart disease and stroke.",
    ),
    Entry(
        "fasting plasma glucose test",
        "A fasting plasma glucose test is a blood test that measures the glucose level after at"
        " least eight hours without food.",
        "It is one of the standard tests used to diagnose prediabetes and diabetes.",
    ),
    Entry(
        "echocardiogram",
        "An echocardiogram is an ultrasound scan of the heart that shows its chambers and valves"
        " and how well it is pumping.",
        "It is one of the main tests used to diagnose heart failure and heart valve disease.",
    ),
    Entry(
        "X-ray",
        "An X-ray is an imaging test that uses a small dose of ionizing radiation to produce"
        " pictures of the inside of the body.",
        "Dense tissues such as bone absorb more of the X-rays and appear white, which makes X-rays"
        " especially useful for detecting fractures.",
    ),
    Entry(
        "CT scan",
        "A CT scan (computed tomography scan) is an imaging test that combines many X-ray images"
        " taken from different angles into detailed cross-sectional pictures of the body.",
        "It gives much more detail than a plain X-ray but involves a higher dose of radiation.",
    ),
    Entry(
        "MRI scan",
        "An MRI scan (magnetic resonance imaging scan) is an imaging test that uses a strong"
        " magnetic field and radio waves to create detailed pictures of organs and soft tissues.",
        "It does not use ionizing radiation and is especially useful for imaging the brain, spinal"
        " cord and joints.",
    ),
    Entry(
        "ultrasound scan",
        "An ultrasound scan is an imaging test that uses high-frequency sound waves to create live"
        " pictures of the inside of the body.",
        "It uses no radiation, which is one reason it is the usual way to check on a baby's"
        " development during pregnancy.",
    ),
    Entry(
        "biopsy",
        "A biopsy is a procedure in which a small sample of tissue is removed from the body so"
        " that it can be examined under a microscope.",
        "It is often the test that confirms whether a lump or abnormal area is cancer.",
    ),
    Entry(
        "urinalysis",
        "A urinalysis is a test of a urine sample that checks its appearance, concentration and"
        " content, such as protein, glucose, blood and signs of infection.",
        "It is commonly used to help diagnose urinary tract infections and to check for kidney"
        " disease and diabetes.",
    ),
    Entry(
        "TSH test",
        "A TSH test is a blood test that measures thyroid-stimulating hormone, the pituitary"
        " hormone that tells the thyroid gland how much hormone to make.",
        "A high TSH usually suggests an underactive thyroid (hypothyroidism), and a low TSH"
        " usually suggests an overactive thyroid (hyperthyroidism).",
    ),
    Entry(
        "spirometry",
        "Spirometry is a breathing test that measures how much air a person can breathe out and"
        " how quickly they can do it.",
        "It is used to diagnose and monitor lung conditions such as asthma and COPD.",
    ),
    Entry(
        "colonoscopy",
        "A colonoscopy is a procedure in which a thin, flexible tube with a camera is passed into"
        " the large intestine (colon) to examine its lining.",
        "It is used to screen for colorectal cancer, and small growths called polyps can often be"
        " removed during the same procedure.",
    ),
    Entry(
        "mammogram",
        "A mammogram is a low-dose X-ray image of the breast used to look for early signs of"
        " breast cancer.",
        "Screening mammograms are offered to people without symptoms, while diagnostic mammograms"
        " are used to investigate a lump or other change.",
    ),
    Entry(
        "eGFR",
        "eGFR (estimated glomerular filtration rate) is a number calculated from a blood"
        " creatinine test, together with factors such as age, that estimates how well the kidneys"
        " are filtering the blood.",
        "A persistently low eGFR is one of the main signs used to diagnose chronic kidney disease"
        " and to judge its stage.",
    ),
    Entry(
        "C-reactive protein",
        "C-reactive protein (CRP) is a protein made by the liver whose level in the blood rises"
        " when there is inflammation in the body.",
        "A CRP test does not show where the inflammation is, but it helps detect infection or"
        " inflammation and track how it responds to treatment.",
    ),
    Entry(
        "troponin test",
        "A troponin test is a blood test that measures troponin, a protein released into the blood"
        " when heart muscle is damaged.",
        "It is a key test for diagnosing a heart attack.",
    ),
    Entry(
        "pulse oximetry",
        "Pulse oximetry is a noninvasive test that estimates the percentage of hemoglobin carrying"
        " oxygen (the oxygen saturation) using a small clip, usually on a finger.",
        "It works by shining light through the skin, and readings can be less accurate with cold"
        " fingers, nail polish or, in some cases, darker skin tones.",
    ),
    Entry(
        "body mass index",
        "Body mass index (BMI) is a person's weight in kilograms divided by the square of their"
        " height in meters, used as a simple screening measure of body weight.",
        "It does not distinguish muscle from fat, so it is a rough guide rather than a diagnosis.",
    ),
    Entry(
        "beta blockers",
        "Beta blockers are medicines that block the effects of adrenaline on beta receptors,"
        " slowing the heart rate and reducing the force of the heart's contractions.",
        "They are used for conditions such as high blood pressure, angina, heart failure and some"
        " heart rhythm disorders.",
    ),
    Entry(
        "ACE inhibitors",
        "ACE inhibitors are medicines that block angiotensin-converting enzyme and so reduce the"
        " production of angiotensin II, a hormone that narrows blood vessels; as a result the"
        " vessels relax and blood pressure falls.",
        "They are used for high blood pressure and heart failure and to protect the kidneys in"
        " some people with diabetes; a dry cough is a well-known side effect.",
    ),
    Entry(
        "angiotensin receptor blockers",
        "Angiotensin receptor blockers (ARBs) are medicines that stop angiotensin II from acting"
        " on its receptors, which relaxes blood vessels and lowers blood pressure.",
        "They are used for similar conditions as ACE inhibitors and are less likely to cause a dry"
        " cough.",
    ),
    Entry(
        "calcium channel blockers",
        "Calcium channel blockers are medicines that reduce the flow of calcium into the muscle"
        " cells of the heart and the blood vessel walls, relaxing the vessels and, for some types,"
        " slowing the heart rate.",
        "They are used to treat high blood pressure, angina and some heart rhythm disorders; ankle"
        " swelling is a common side effect of some of them.",
    ),
    Entry(
        "diuretics",
        "Diuretics are medicines that make the kidneys remove more salt and water from the body as"
        " urine.",
        "They are used to treat high blood pressure and the fluid build-up of heart failure, and"
        " they are often called water pills.",
    ),
    Entry(
        "statins",
        "Statins are medicines that lower LDL cholesterol, mainly by blocking an enzyme the liver"
        " uses to make cholesterol.",
        "They reduce the risk of heart attack and stroke in people at raised risk, and muscle"
        " aches are one of the side effects people sometimes report.",
    ),
    Entry(
        "anticoagulants",
        "Anticoagulants are medicines that reduce the blood's ability to form clots; they are"
        " often called blood thinners, although they do not actually thin the blood.",
        "They are used to prevent and treat conditions such as deep vein thrombosis and to lower"
        " the risk of stroke in atrial fibrillation, and bleeding is their main risk.",
    ),
    Entry(
        "antiplatelet drugs",
        "Antiplatelet drugs are medicines that stop platelets from sticking together, which makes"
        " blood clots in arteries less likely.",
        "Aspirin and clopidogrel are examples, used mainly to prevent further heart attacks and"
        " strokes in people at high risk.",
    ),
    Entry(
        "SSRIs",
        "SSRIs (selective serotonin reuptake inhibitors) are a class of antidepressant medicines"
        " that increase the amount of serotonin available in the brain by slowing its reabsorption"
        " into nerve cells.",
        "They are widely used for depression and anxiety disorders, and their full effect usually"
        " takes a few weeks to develop.",
    ),
    Entry(
        "benzodiazepines",
        "Benzodiazepines are sedative medicines that enhance the calming effect of the brain"
        " chemical GABA, reducing anxiety and causing drowsiness.",
        "They are usually intended for short-term use because the body can become tolerant to them"
        " and dependence can develop.",
    ),
    Entry(
        "opioids",
        "Opioids are strong pain-relieving medicines that act on opioid receptors in the brain and"
        " spinal cord.",
        "Morphine and codeine are examples; constipation and drowsiness are common side effects,"
        " and they carry risks of dependence and of dangerously slowed breathing.",
    ),
    Entry(
        "NSAIDs",
        "NSAIDs (nonsteroidal anti-inflammatory drugs) are medicines that reduce pain, fever and"
        " inflammation by blocking enzymes called cyclooxygenases (COX).",
        "Ibuprofen, naproxen and aspirin are common examples; they can irritate the stomach lining"
        " and cause stomach ulcers, particularly with long-term use.",
    ),
    Entry(
        "antibiotics",
        "Antibiotics are medicines that kill bacteria or stop them from multiplying, used to treat"
        " bacterial infections.",
        "They do not work against viruses, such as those that cause colds and flu, and unnecessary"
        " use contributes to antibiotic resistance.",
    ),
    Entry(
        "antivirals",
        "Antivirals are medicines that treat viral infections by interfering with a virus's"
        " ability to enter cells or multiply.",
        "Examples include medicines for influenza, HIV, hepatitis C and herpes viruses; each"
        " usually works against only specific viruses.",
    ),
    Entry(
        "antihistamines",
        "Antihistamines are medicines that block the effects of histamine, a chemical the body"
        " releases during allergic reactions.",
        "They relieve symptoms such as sneezing, itching and a runny nose; older types often cause"
        " drowsiness, while newer types usually cause less.",
    ),
    Entry(
        "corticosteroids",
        "Corticosteroids are medicines related to cortisol, a hormone made by the adrenal glands,"
        " that reduce inflammation and calm the immune system.",
        "They come as creams, inhalers, tablets and injections and are used for conditions such as"
        " asthma, eczema and rheumatoid arthritis; long-term use of tablets can have significant"
        " side effects.",
    ),
    Entry(
        "bronchodilators",
        "Bronchodilators are medicines that relax the muscles around the airways, widening them"
        " and making breathing easier.",
        "They are usually inhaled; short-acting types give quick relief of asthma symptoms, while"
        " long-acting types are used for ongoing control of COPD and, together with an inhaled"
        " corticosteroid, of asthma.",
    ),
    Entry(
        "proton pump inhibitors",
        "Proton pump inhibitors (PPIs) are medicines that strongly reduce the amount of acid the"
        " stomach produces by blocking the acid-producing pumps in its lining.",
        "They are used to treat GERD and peptic ulcers and to protect the stomach in some people"
        " who take NSAIDs.",
    ),
    Entry(
        "metformin",
        "Metformin is a medicine commonly used as a first treatment for type 2 diabetes; it lowers"
        " blood glucose mainly by reducing the amount of glucose the liver releases and by"
        " improving the body's response to insulin.",
        "Digestive upsets such as nausea and diarrhea are its most common side effects.",
    ),
    Entry(
        "GLP-1 receptor agonists",
        "GLP-1 receptor agonists are medicines that mimic a gut hormone called GLP-1, which"
        " increases insulin release when blood glucose is high, slows stomach emptying and reduces"
        " appetite.",
        "They are used to treat type 2 diabetes and, in the case of some of them, obesity; nausea"
        " is a common side effect.",
    ),
    Entry(
        "SGLT2 inhibitors",
        "SGLT2 inhibitors are medicines that lower blood glucose by making the kidneys remove more"
        " glucose in the urine.",
        "Besides treating type 2 diabetes, some of them are also used for heart failure and"
        " chronic kidney disease.",
    ),
    Entry(
        "vaccines",
        "Vaccines are preparations that train the immune system to recognize a specific germ, so"
        " the body can fight it off more effectively if it is exposed later.",
        "They may contain weakened or inactivated germs, pieces of a germ, or genetic instructions"
        " such as mRNA for making a harmless piece of it.",
    ),
    Entry(
        "antiseizure medicines",
        "Antiseizure medicines are medicines that reduce the likelihood of seizures by calming"
        " excessive electrical activity in the brain.",
        "They are the main treatment for epilepsy, and some of them are also used for nerve pain,"
        " migraine prevention or mood disorders.",
    ),
    Entry(
        "triptans",
        "Triptans are medicines used to treat migraine attacks; they act on serotonin receptors,"
        " narrowing blood vessels around the brain and reducing the release of substances involved"
        " in pain signaling.",
        "They are used to stop an attack once it has started rather than to prevent attacks.",
    ),
    Entry(
        "chemotherapy",
        "Chemotherapy is the treatment of cancer with medicines that kill rapidly dividing cells"
        " or stop them from dividing.",
        "Because it also affects healthy fast-dividing cells, common side effects include hair"
        " loss, nausea, tiredness and a higher risk of infection.",
    ),
    Entry(
        "incidence",
        "Incidence is the number of new cases of a disease that develop in a population during a"
        " specified period, often expressed as a rate such as cases per 100,000 people per year.",
        "It differs from prevalence, which counts all existing cases at a given time, both new and"
        " old.",
    ),
    Entry(
        "prevalence",
        "Prevalence is the proportion of a population that has a particular disease or condition"
        " at a specific point in time or over a specified period.",
        "A long-lasting condition can have a high prevalence even if its incidence (the rate of"
        " new cases) is low, because cases accumulate over time.",
    ),
    Entry(
        "placebo",
        "A placebo is an inactive treatment, such as a sugar pill or a saline injection, designed"
        " to look like a real treatment.",
        "In clinical trials, comparing a medicine with a placebo helps show whether its effects"
        " are real rather than due to expectation or chance.",
    ),
    Entry(
        "placebo effect",
        "The placebo effect is an improvement in symptoms that happens after an inactive treatment"
        " because of expectations and other psychological factors rather than the treatment"
        " itself.",
        "It is most noticeable for subjective symptoms such as pain, nausea and tiredness.",
    ),
    Entry(
        "randomized controlled trial",
        "A randomized controlled trial is a study in which participants are randomly assigned to"
        " receive either the treatment being tested or a comparison, such as a placebo or the"
        " standard treatment.",
        "Random assignment makes the groups similar at the start, so differences in outcomes can"
        " more reliably be attributed to the treatment.",
    ),
    Entry(
        "cohort study",
        "A cohort study is an observational study that follows a group of people over time to see"
        " how their exposures, such as smoking or diet, relate to later outcomes.",
        "Because researchers do not assign the exposures, cohort studies can show associations but"
        " are more open to confounding than randomized trials.",
    ),
    Entry(
        "meta-analysis",
        "A meta-analysis is a statistical method that combines the results of several studies of"
        " the same question to produce an overall estimate.",
        "It is usually part of a systematic review, and its results are only as reliable as the"
        " studies it includes.",
    ),
    Entry(
        "relative risk",
        "Relative risk is the risk of an outcome in an exposed or treated group divided by the"
        " risk in a comparison group.",
        "For example, if 2% of treated people and 4% of untreated people have a stroke, the"
        " relative risk is 0.5, a 50% relative risk reduction, even though the absolute difference"
        " is only 2 percentage points.",
    ),
    Entry(
        "absolute risk",
        "Absolute risk is the chance that a person in a particular group will develop a condition"
        " over a stated period, for example 3 in 100 over ten years.",
        "Absolute risk reduction is the simple difference between two absolute risks, and it is"
        " often more informative for individual decisions than relative risk.",
    ),
    Entry(
        "number needed to treat",
        "The number needed to treat (NNT) is the average number of people who need to receive a"
        " treatment for one additional person to benefit compared with a control group.",
        "It equals 1 divided by the absolute risk reduction; for example, an absolute risk"
        " reduction of 2 percentage points gives an NNT of 50.",
    ),
    Entry(
        "sensitivity of a test",
        "The sensitivity of a test is the proportion of people who truly have a condition whom the"
        " test correctly identifies as positive.",
        "A highly sensitive test rarely misses the condition, so a negative result helps rule it"
        " out.",
    ),
    Entry(
        "specificity of a test",
        "The specificity of a test is the proportion of people who do not have a condition whom"
        " the test correctly identifies as negative.",
        "A highly specific test rarely gives false alarms, so a positive result helps rule the"
        " condition in.",
    ),
    Entry(
        "false positive",
        "A false positive is a test result that wrongly indicates that a condition is present when"
        " it is not.",
        "False positives can lead to anxiety and unnecessary further tests, which is one reason"
        " screening programs weigh benefits against harms.",
    ),
    Entry(
        "false negative",
        "A false negative is a test result that wrongly indicates that a condition is absent when"
        " it is actually present.",
        "A false negative can give false reassurance and delay diagnosis, so symptoms that persist"
        " despite a normal test still deserve attention.",
    ),
    Entry(
        "comorbidity",
        "A comorbidity is an additional disease or condition that a person has at the same time as"
        " the main condition being studied or treated.",
        "For example, high blood pressure is a common comorbidity in people with type 2 diabetes.",
    ),
    Entry(
        "prognosis",
        "A prognosis is the likely course and outcome of a disease, including the chance of"
        " recovery or complications.",
        "It is usually based on evidence from groups of similar patients, so it describes"
        " probabilities rather than certainties for an individual.",
    ),
    Entry(
        "acute condition",
        "An acute condition is a health problem that starts suddenly or lasts only a short time,"
        " such as a sprained ankle or acute bronchitis.",
        "The word acute describes timing rather than severity, so an acute illness can be mild.",
    ),
    Entry(
        "chronic condition",
        "A chronic condition is a health problem that lasts a long time, often defined as three"
        " months or more, and usually needs ongoing management.",
        "Examples include diabetes, asthma, arthritis and heart failure.",
    ),
    Entry(
        "symptom",
        "A symptom is something a person experiences and reports that suggests illness, such as"
        " pain, tiredness or nausea.",
        "It differs from a sign, which is something that can be observed or measured by someone"
        " else, such as a rash, a fever or high blood pressure.",
    ),
    Entry(
        "syndrome",
        "A syndrome is a recognizable set of symptoms and signs that tend to occur together,"
        " whether or not a single cause is known.",
        "Examples include irritable bowel syndrome and Down syndrome.",
    ),
    Entry(
        "benign tumor",
        "A benign tumor is an abnormal growth of cells that does not invade nearby tissue or"
        " spread to other parts of the body.",
        "It is not cancer, although it can still cause problems if it presses on nearby"
        " structures.",
    ),
    Entry(
        "malignant tumor",
        "A malignant tumor is a cancerous growth whose cells can invade nearby tissue and spread"
        " to other parts of the body.",
        "The spread of cancer from its original site to distant parts of the body is called"
        " metastasis.",
    ),
    Entry(
        "metastasis",
        "Metastasis is the spread of cancer cells from the place where they first formed to other"
        " parts of the body, usually through the blood or the lymphatic system.",
        "A cancer that has spread is still named after its original site; for example, breast"
        " cancer that has spread to the bones is metastatic breast cancer, not bone cancer.",
    ),
    Entry(
        "remission",
        "Remission is a decrease in or disappearance of the signs and symptoms of a disease such"
        " as cancer.",
        "Remission can be partial or complete, and a complete remission does not always mean that"
        " the disease is cured.",
    ),
    Entry(
        "contraindication",
        "A contraindication is a condition or circumstance that makes a particular treatment or"
        " procedure inadvisable because it could be harmful.",
        "For example, a known severe allergy to a medicine is a contraindication to taking it.",
    ),
    Entry(
        "side effect",
        "A side effect is an effect of a medicine or treatment other than the intended one, and it"
        " is often unwanted.",
        "A harmful, unintended response is often called an adverse effect or an adverse drug"
        " reaction.",
    ),
    Entry(
        "generic medicine",
        "A generic medicine is a medicine that contains the same active ingredient as a brand-name"
        " medicine and works in the same way, usually sold after the original patent has expired.",
        "Regulators require generics to be shown to deliver the active ingredient to the body in"
        " an equivalent way, a property called bioequivalence.",
    ),
    Entry(
        "vital signs",
        "Vital signs are the basic measurements of the body's essential functions: body"
        " temperature, pulse rate, breathing rate and blood pressure.",
        "Oxygen saturation, measured by pulse oximetry, is often recorded alongside them.",
    ),
    Entry(
        "triage",
        "Triage is the process of sorting patients by how urgently they need care, so that the"
        " most urgent cases are treated first.",
        "It is used in emergency departments, telephone advice services and major incidents.",
    ),
    Entry(
        "pathogen",
        "A pathogen is a microorganism or other agent that can cause disease, such as a bacterium,"
        " virus, fungus or parasite.",
        "Not all microbes are pathogens; many of the bacteria that live on and in the body are"
        " harmless or helpful.",
    ),
    Entry(
        "herd immunity",
        "Herd immunity is the indirect protection of a population from an infectious disease that"
        " occurs when enough people are immune, through vaccination or earlier infection, that the"
        " disease spreads poorly.",
        "It helps protect people who cannot be vaccinated, such as young babies or people with"
        " weakened immune systems.",
    ),
    Entry(
        "antibiotic resistance",
        "Antibiotic resistance is the ability of bacteria to survive medicines that would normally"
        " kill them or stop their growth.",
        "It is driven largely by overuse and misuse of antibiotics and makes some infections much"
        " harder to treat.",
    ),
    Entry(
        "epidemic",
        "An epidemic is a rise in cases of a disease above what is normally expected in a"
        " particular population and area.",
        "When an epidemic spreads across several countries or continents and affects large numbers"
        " of people, it is called a pandemic.",
    ),
    Entry(
        "informed consent",
        "Informed consent is a person's voluntary agreement to a treatment, procedure or research"
        " study after being told its purpose, benefits, risks and alternatives.",
        "It requires that the person is able to understand the information and is free to refuse.",
    ),
    Entry(
        "palliative care",
        "Palliative care is specialized care that focuses on relieving symptoms, pain and stress"
        " for people with serious illness and on improving quality of life for them and their"
        " families.",
        "It can be provided at any stage of a serious illness, alongside treatments aimed at cure,"
        " and is not limited to the end of life.",
    ),
    Entry(
        "risk factor",
        "A risk factor is anything that increases a person's chance of developing a disease, such"
        " as smoking, high blood pressure or a family history of the disease.",
        "Some risk factors, such as age, cannot be changed, while others, such as physical"
        " inactivity, can be modified.",
    ),
    Entry(
        "screening",
        "Screening is testing people who have no symptoms to find a disease or its early warning"
        " signs, when treatment may be more effective.",
        "Examples include mammograms for breast cancer and blood pressure checks for hypertension.",
    ),
    Entry(
        "confounding",
        "Confounding is a distortion of the apparent link between an exposure and an outcome"
        " caused by a third factor that is related to both.",
        "For example, coffee drinking might appear to cause lung cancer if an analysis ignored"
        " that the coffee drinkers studied were more likely to smoke.",
    ),
    Entry(
        "half-life",
        "The half-life of a medicine is the time it takes for its concentration in the blood to"
        " fall by half.",
        "It helps explain how often a medicine needs to be taken, and a medicine is usually"
        " considered largely cleared from the body after about four to five half-lives.",
    ),
)

FINANCE_GLOSSARY: tuple[Entry, ...] = (
    Entry(
        "asset",
        "An asset is a resource owned or controlled by a business or person that is expected to"
        " provide future economic benefit, such as cash, inventory, equipment or property.",
        "On a balance sheet, assets are usually split into current assets, expected to be used up"
        " or turned into cash within a year, and non-current assets such as buildings and"
        " machinery.",
    ),
    Entry(
        "liability",
        "A liability is an obligation of a business or person, arising from past events, to"
        " transfer money, goods or services to someone else in the future, such as a loan or an"
        " unpaid supplier bill.",
        "Liabilities due within a year are current liabilities; those due later, such as long-term"
        " bonds, are non-current liabilities.",
    ),
    Entry(
        "shareholders' equity",
        "Shareholders' equity is the owners' claim on a company's assets after all liabilities"
        " have been subtracted, that is, total assets minus total liabilities.",
        "It is built up mainly from money invested by shareholders and from profits kept in the"
        " business (retained earnings).",
    ),
    Entry(
        "balance sheet",
        "A balance sheet is a financial statement that shows a company's assets, liabilities and"
        " shareholders' equity at a specific date.",
        "It always balances according to the accounting equation: assets equal liabilities plus"
        " equity.",
    ),
    Entry(
        "income statement",
        "An income statement is a financial statement that shows a company's revenue, expenses and"
        " resulting profit or loss over a period, such as a quarter or a year.",
        "It is also called a profit and loss statement (P&L), and it ends with net income, the"
        ' "bottom line".',
    ),
    Entry(
        "cash flow statement",
        "A cash flow statement is a financial statement that shows how cash came into and went out"
        " of a company during a period, split into operating, investing and financing activities.",
        "It shows whether profits are turning into actual cash, which the income statement alone"
        " cannot reveal because of accrual accounting.",
    ),
    Entry(
        "accounting equation",
        "The accounting equation is the rule that a company's assets always equal its liabilities"
        " plus its shareholders' equity.",
        "For example, buying equipment with a bank loan raises assets and liabilities by the same"
        " amount, so the equation stays in balance.",
    ),
    Entry(
        "revenue",
        "Revenue is the total income a business earns from selling goods or services in its normal"
        " operations during a period, before any expenses are deducted.",
        "It is often called the top line because it appears at the top of the income statement.",
    ),
    Entry(
        "gross profit",
        "Gross profit is revenue minus the cost of goods sold, the direct costs of making or"
        " buying the products that were sold.",
        "For example, a shop that sells goods for $100,000 that cost it $60,000 has a gross profit"
        " of $40,000.",
    ),
    Entry(
        "gross margin",
        "Gross margin is gross profit expressed as a percentage of revenue.",
        "For example, a gross profit of $40,000 on revenue of $100,000 is a gross margin of 40%.",
    ),
    Entry(
        "cost of goods sold",
        "Cost of goods sold (COGS) is the direct cost of producing or purchasing the goods a"
        " company sold during a period, such as materials and direct labor.",
        "It excludes indirect costs such as marketing and head-office salaries, which are reported"
        " as operating expenses.",
    ),
    Entry(
        "operating expenses",
        "Operating expenses are the costs of running a business's day-to-day operations that are"
        " not part of the cost of goods sold, such as rent, salaries, marketing and utilities.",
        "They are often abbreviated as OPEX, in contrast to capital expenditure (CAPEX).",
    ),
    Entry(
        "operating income",
        "Operating income is the profit a company makes from its core business operations: gross"
        " profit minus operating expenses.",
        "It excludes interest and taxes, and it is often treated as roughly equal to EBIT,"
        " although EBIT can also include non-operating items.",
    ),
    Entry(
        "net income",
        "Net income is a company's profit after all expenses, including interest, taxes,"
        " depreciation and amortization, have been subtracted from revenue.",
        "It is called the bottom line and is the figure used to calculate earnings per share.",
    ),
    Entry(
        "EBITDA",
        "EBITDA is earnings before interest, taxes, depreciation and amortization, a measure of a"
        " company's operating profitability before financing costs, taxes and non-cash charges for"
        " the using up of long-term assets.",
        "It is widely used to compare companies with different debt levels and asset bases, but it"
        " is not a measure of cash flow and it ignores the cost of replacing equipment.",
    ),
    Entry(
        "EBIT",
        "EBIT is earnings before interest and taxes, a measure of a company's profit from"
        " operations before financing costs and income taxes.",
        "It equals EBITDA minus depreciation and amortization.",
    ),
    Entry(
        "accrual accounting",
        "Accrual accounting is a method of accounting that records revenue when it is earned and"
        " expenses when they are incurred, regardless of when cash is received or paid.",
        "For example, a consultant who finishes a project in December but is paid in January"
        " records the revenue in December.",
    ),
    Entry(
        "accrual",
        "An accrual is an accounting entry that records revenue earned or an expense incurred"
        " before the related cash has been received or paid.",
        "For example, interest owed on a loan at the end of the year but not yet paid is recorded"
        " as an accrued expense, which is a liability.",
    ),
    Entry(
        "cash basis accounting",
        "Cash basis accounting is a method of accounting that records revenue when cash is"
        " received and expenses when cash is paid.",
        "It is simpler than accrual accounting and common for very small businesses and"
        " individuals, but it can give a misleading picture of profitability over a period.",
    ),
    Entry(
        "accounts receivable",
        "Accounts receivable is the money owed to a company by customers who have received goods"
        " or services but have not yet paid for them.",
        "It is reported as a current asset on the balance sheet.",
    ),
    Entry(
        "accounts payable",
        "Accounts payable is the money a company owes to its suppliers for goods or services it"
        " has received but not yet paid for.",
        "It is reported as a current liability on the balance sheet.",
    ),
    Entry(
        "depreciation",
        "Depreciation is the accounting process of spreading the cost of a tangible long-term"
        " asset, such as a machine or a building, over its useful life.",
        "For example, a $10,000 machine expected to last five years with no resale value is"
        " depreciated by $2,000 a year under the straight-line method.",
    ),
    Entry(
        "amortization",
        "Amortization is the spreading of the cost of an intangible asset, such as a patent or a"
        " software license, over its useful life; the word also describes paying off a loan"
        " through scheduled installments.",
        "In the loan sense, each payment covers the interest due plus part of the principal, and"
        " the share going to principal grows over time.",
    ),
    Entry(
        "goodwill",
        "Goodwill is an intangible asset that arises when one company buys another for more than"
        " the fair value of its identifiable net assets.",
        "It reflects things such as brand reputation and customer relationships; under IFRS, and"
        " for US public companies, it is not amortized but must be tested regularly for"
        " impairment.",
    ),
    Entry(
        "impairment",
        "An impairment is a write-down of an asset's value on the balance sheet when the amount"
        " the asset can be expected to recover falls below its carrying amount.",
        "For example, if a factory's expected future cash flows collapse, the company may record"
        " an impairment loss that reduces both the asset's value and net income.",
    ),
    Entry(
        "inventory",
        "Inventory is the goods a company holds for sale, together with the raw materials and work"
        " in progress used to make them.",
        "It is a current asset, and common methods for assigning costs to it include FIFO (first"
        " in, first out) and weighted average cost.",
    ),
    Entry(
        "working capital",
        "Working capital is a company's current assets minus its current liabilities.",
        "Positive working capital suggests the company can cover its short-term obligations, while"
        " a shortage can signal liquidity problems.",
    ),
    Entry(
        "retained earnings",
        "Retained earnings are the accumulated profits that a company has kept in the business"
        " rather than paid out to shareholders as dividends.",
        "They form part of shareholders' equity and can fund growth, pay down debt or absorb"
        " future losses.",
    ),
    Entry(
        "dividend",
        "A dividend is a payment a company makes to its shareholders, usually in cash, as a share"
        " of its profits.",
        "Dividends are decided by the board of directors and are not guaranteed; many fast-growing"
        " companies pay none.",
    ),
    Entry(
        "earnings per share",
        "Earnings per share (EPS) is a company's net income available to common shareholders"
        " divided by the weighted average number of common shares outstanding.",
        "Diluted EPS also takes into account shares that could be created from stock options and"
        " convertible securities.",
    ),
    Entry(
        "free cash flow",
        "Free cash flow is the cash a company generates from its operations after paying for the"
        " capital expenditure needed to maintain and grow its asset base.",
        "It is often calculated as operating cash flow minus capital expenditure, and it"
        " represents cash available for debt repayment, dividends or share buybacks.",
    ),
    Entry(
        "capital expenditure",
        "Capital expenditure (CAPEX) is money a company spends to buy, upgrade or extend the life"
        " of long-term physical assets such as buildings, equipment and vehicles.",
        "Rather than being expensed immediately, it is recorded as an asset and depreciated over"
        " the asset's useful life.",
    ),
    Entry(
        "deferred revenue",
        "Deferred revenue is money a company has received for goods or services it has not yet"
        " delivered, recorded as a liability until it is earned.",
        "For example, a software company paid upfront for a one-year subscription recognizes the"
        " revenue gradually over the twelve months.",
    ),
    Entry(
        "double-entry bookkeeping",
        "Double-entry bookkeeping is the accounting system in which every transaction is recorded"
        " in at least two accounts, with total debits equal to total credits.",
        "It keeps the accounting equation in balance and makes errors easier to detect.",
    ),
    Entry(
        "debits and credits",
        "Debits and credits are the two sides of every double-entry bookkeeping record: debits"
        " increase asset and expense accounts, while credits increase liability, equity and"
        " revenue accounts.",
        "For example, receiving $500 in cash from a customer for a service debits the cash account"
        " and credits the revenue account by $500.",
    ),
    Entry(
        "audit",
        "An audit is an independent examination of a company's financial statements and records,"
        " resulting in an opinion on whether they are presented fairly, in all material respects,"
        " under the applicable accounting standards.",
        "Listed companies are generally required to have their annual financial statements audited"
        " by external auditors.",
    ),
    Entry(
        "GAAP",
        "GAAP (generally accepted accounting principles) is the common set of accounting standards"
        " and rules used for financial reporting in a particular country, and the term most often"
        " refers to US GAAP.",
        "In the United States, GAAP is set by the Financial Accounting Standards Board (FASB).",
    ),
    Entry(
        "IFRS",
        "IFRS (International Financial Reporting Standards) are accounting standards issued by the"
        " International Accounting Standards Board and used for financial reporting in many"
        " countries.",
        "They are required for the consolidated accounts of listed companies in the European Union"
        " and in many other jurisdictions.",
    ),
    Entry(
        "book value",
        "Book value is the value of an asset or a company as recorded on the balance sheet; for a"
        " company, it usually means total assets minus total liabilities.",
        "Book value per share is this figure divided by the number of shares outstanding.",
    ),
    Entry(
        "market capitalization",
        "Market capitalization is the total market value of a company's outstanding shares,"
        " calculated as the share price multiplied by the number of shares outstanding.",
        "For example, a company with 50 million shares trading at $20 each has a market"
        " capitalization of $1 billion.",
    ),
    Entry(
        "enterprise value",
        "Enterprise value is a measure of the total value of a company's operating business,"
        " usually calculated as market capitalization plus debt minus cash and cash equivalents.",
        "It is often compared with EBITDA, as the EV/EBITDA ratio, to value companies regardless"
        " of how they are financed.",
    ),
    Entry(
        "return on equity",
        "Return on equity (ROE) is net income divided by shareholders' equity, showing how much"
        " profit a company generates with the money shareholders have invested.",
        "A high ROE can reflect strong profitability, but it can also be boosted by heavy"
        " borrowing, which reduces equity.",
    ),
    Entry(
        "return on assets",
        "Return on assets (ROA) is net income divided by total assets, showing how efficiently a"
        " company uses its assets to generate profit.",
        "Capital-intensive industries such as utilities usually have a lower ROA than asset-light"
        " businesses such as software companies.",
    ),
    Entry(
        "return on investment",
        "Return on investment (ROI) is the gain or loss on an investment relative to its cost,"
        " usually expressed as a percentage.",
        "For example, buying an asset for $1,000 and selling it for $1,200 gives an ROI of 20%,"
        " ignoring costs, taxes and how long the investment was held.",
    ),
    Entry(
        "debt-to-equity ratio",
        "The debt-to-equity ratio is a company's total debt divided by its shareholders' equity,"
        " showing how much it relies on borrowed money compared with owners' funds.",
        "Some versions use total liabilities instead of debt, so it is important to check which"
        " definition is being used.",
    ),
    Entry(
        "current ratio",
        "The current ratio is current assets divided by current liabilities, a measure of a"
        " company's ability to pay its short-term obligations.",
        "A ratio above 1 means current assets exceed current liabilities, though what counts as"
        " healthy varies by industry.",
    ),
    Entry(
        "quick ratio",
        "The quick ratio is a stricter liquidity measure than the current ratio: the most liquid"
        " current assets, such as cash, marketable securities and receivables, divided by current"
        " liabilities.",
        "It leaves out inventory, which may be hard to turn into cash quickly, and it is also"
        " called the acid-test ratio.",
    ),
    Entry(
        "interest coverage ratio",
        "The interest coverage ratio is a company's operating earnings, usually measured as EBIT,"
        " divided by its interest expense.",
        "It shows how comfortably a company can pay the interest on its debt; a low ratio suggests"
        " a higher risk of financial distress.",
    ),
    Entry(
        "operating margin",
        "Operating margin is operating income divided by revenue, expressed as a percentage.",
        "It shows how much of each dollar of sales remains after paying the costs of running the"
        " business, before interest and taxes.",
    ),
    Entry(
        "net profit margin",
        "Net profit margin is net income divided by revenue, expressed as a percentage.",
        "For example, a company with $10 million of revenue and $1 million of net income has a net"
        " profit margin of 10%.",
    ),
    Entry(
        "break-even point",
        "The break-even point is the level of sales at which total revenue equals total costs, so"
        " there is neither a profit nor a loss.",
        "Measured in units, it equals fixed costs divided by the contribution margin per unit,"
        " which is the selling price minus the variable cost per unit.",
    ),
    Entry(
        "fixed costs",
        "Fixed costs are costs that do not change with the level of output in the short term, such"
        " as rent, insurance and the pay of salaried staff.",
        "They contrast with variable costs, such as raw materials, which rise and fall with"
        " production.",
    ),
    Entry(
        "variable costs",
        "Variable costs are costs that change in proportion to the level of production or sales,"
        " such as raw materials, packaging and sales commissions.",
        "Revenue minus variable costs is called the contribution margin, which is what remains to"
        " cover fixed costs and then provide profit.",
    ),
    Entry(
        "economies of scale",
        "Economies of scale are the cost advantages a business gains as it produces more, because"
        " fixed costs are spread over more units and larger purchases can often be made more"
        " cheaply.",
        "They help explain why large producers can often sell at lower prices than small ones.",
    ),
    Entry(
        "write-off",
        "A write-off is the removal of an asset, or part of its value, from the accounting records"
        " because it is no longer expected to provide value.",
        "For example, a business writes off a customer's unpaid invoice once it concludes the debt"
        " will never be collected, recording it as a bad debt expense.",
    ),
    Entry(
        "stock",
        "A stock is a security representing a share of ownership in a company, giving the holder a"
        " claim on part of its assets and profits and, usually, voting rights.",
        "Shareholders can gain from dividends and from a rise in the share price, but they can"
        " also lose money if the price falls.",
    ),
    Entry(
        "preferred stock",
        "Preferred stock is a class of company shares that usually pays a fixed dividend and ranks"
        " ahead of common stock for dividends and for repayment if the company is liquidated.",
        "Preferred shareholders usually have no voting rights, and the shares behave partly like a"
        " bond.",
    ),
    Entry(
        "bond",
        "A bond is a debt security in which an investor lends money to a government or company for"
        " a set period in return for regular interest payments and repayment of the face value at"
        " maturity.",
        "Bond prices move in the opposite direction to interest rates: when market rates rise,"
        " existing bonds with lower coupons fall in price.",
    ),
    Entry(
        "coupon rate",
        "The coupon rate of a bond is the annual interest rate it pays on its face value, usually"
        " paid once or twice a year.",
        "For example, a bond with a $1,000 face value and a 5% annual coupon rate pays $50 of"
        " interest each year.",
    ),
    Entry(
        "face value",
        "Face value (par value) is the amount a bond issuer promises to repay at maturity and the"
        " amount on which coupon payments are calculated.",
        "A bond's market price can be above its face value (trading at a premium) or below it"
        " (trading at a discount).",
    ),
    Entry(
        "maturity",
        "The maturity of a bond is the date on which the issuer must repay its face value, ending"
        " the life of the bond.",
        "Bonds are often grouped by maturity as short-term, medium-term or long-term, and longer"
        " maturities usually carry more interest rate risk.",
    ),
    Entry(
        "bond yield",
        "A bond yield is the return an investor earns on a bond, expressed as an annual"
        " percentage.",
        "The simplest measure, the current yield, is the annual coupon divided by the current"
        " price; because the coupon is fixed, the yield rises when the price falls and vice versa.",
    ),
    Entry(
        "yield to maturity",
        "Yield to maturity is the total annual return an investor would earn by buying a bond at"
        " its current price and holding it until maturity, assuming all payments are made as"
        " scheduled.",
        "It is the discount rate that makes the present value of all future coupon and principal"
        " payments equal to the bond's price, and it assumes the coupons are reinvested at that"
        " same rate.",
    ),
    Entry(
        "duration",
        "Duration is a measure, expressed in years, of how sensitive a bond's price is to changes"
        " in interest rates, based on the weighted average time until its cash flows are received.",
        "As a rule of thumb, a bond with a duration of 7 would fall in price by about 7% if"
        " interest rates rose by 1 percentage point.",
    ),
    Entry(
        "credit rating",
        "A credit rating is an assessment by a rating agency of the likelihood that a borrower,"
        " such as a company or a government, will repay its debt in full and on time.",
        "Ratings of BBB- (Baa3 at Moody's) and above are called investment grade, while lower"
        " ratings are called speculative grade or high yield.",
    ),
    Entry(
        "credit spread",
        "A credit spread is the difference in yield between a bond with credit risk, such as a"
        " corporate bond, and a comparable safer bond, usually a government bond of similar"
        " maturity.",
        "Spreads tend to widen when investors worry more about defaults, as typically happens in"
        " recessions.",
    ),
    Entry(
        "high-yield bond",
        "A high-yield bond is a bond with a credit rating below investment grade, which pays a"
        " higher interest rate to compensate investors for a greater risk of default.",
        "Such bonds are also known as junk bonds.",
    ),
    Entry(
        "Treasury bill",
        "A Treasury bill is a short-term debt security issued by the US government, with a"
        " maturity of one year or less.",
        "Treasury bills pay no coupon; they are sold at a discount to face value, and the"
        " investor's return is the difference between the purchase price and the face value"
        " received at maturity.",
    ),
    Entry(
        "zero-coupon bond",
        "A zero-coupon bond is a bond that pays no periodic interest and is instead sold at a"
        " discount to its face value, which is repaid in full at maturity.",
        "Because all of the return arrives at the end, zero-coupon bonds are especially sensitive"
        " to changes in interest rates.",
    ),
    Entry(
        "yield curve",
        "The yield curve is a graph that plots the yields of bonds of the same credit quality,"
        " usually government bonds, against their maturities.",
        "Normally it slopes upward, with long-term bonds yielding more than short-term ones.",
    ),
    Entry(
        "inverted yield curve",
        "An inverted yield curve is a situation in which short-term bonds yield more than"
        " long-term bonds of the same credit quality.",
        "In the United States, an inverted yield curve has preceded most recessions of recent"
        " decades, although it is not a perfect predictor.",
    ),
    Entry(
        "interest rate risk",
        "Interest rate risk is the risk that changes in interest rates will reduce the value of an"
        " investment, particularly of bonds and other fixed-income securities.",
        "The longer a bond's duration, the more its price falls when interest rates rise.",
    ),
    Entry(
        "P/E ratio",
        "The P/E ratio (price-to-earnings ratio) is a company's share price divided by its"
        " earnings per share.",
        "For example, a share priced at $30 with earnings per share of $2 has a P/E ratio of 15,"
        " meaning investors pay $15 for each dollar of annual earnings.",
    ),
    Entry(
        "price-to-book ratio",
        "The price-to-book ratio is a company's share price divided by its book value per share.",
        "A ratio below 1 means the market values the company at less than the net assets recorded"
        " on its balance sheet.",
    ),
    Entry(
        "dividend yield",
        "Dividend yield is a company's annual dividends per share divided by its share price,"
        " expressed as a percentage.",
        "For example, a stock priced at $50 that pays $2 a year in dividends has a dividend yield"
        " of 4%.",
    ),
    Entry(
        "ETF",
        "An ETF (exchange-traded fund) is an investment fund whose shares trade on a stock"
        " exchange throughout the day, like the shares of individual companies.",
        "Many ETFs track an index such as the S&P 500, offering broad diversification in a single"
        " trade, often at low cost.",
    ),
    Entry(
        "mutual fund",
        "A mutual fund is an investment fund that pools money from many investors to buy a"
        " portfolio of securities, managed by a professional fund manager.",
        "Unlike ETF shares, mutual fund shares are usually bought from and sold back to the fund"
        " itself at the net asset value calculated at the end of each trading day.",
    ),
    Entry(
        "index fund",
        "An index fund is a mutual fund or ETF that aims to match the performance of a market"
        " index by holding the securities in that index.",
        "Because it does not try to pick winners, it usually has lower fees than an actively"
        " managed fund.",
    ),
    Entry(
        "stock market index",
        "A stock market index is a measure of the performance of a group of stocks that represents"
        " a market or a part of one, calculated from their prices.",
        "Examples include the S&P 500 for large US companies and the FTSE 100 for large companies"
        " listed in London.",
    ),
    Entry(
        "S&P 500",
        "The S&P 500 is a stock market index that tracks about 500 of the largest companies listed"
        " in the United States, weighted by market capitalization.",
        "It is widely used as a benchmark for the overall US stock market.",
    ),
    Entry(
        "diversification",
        "Diversification is the strategy of spreading investments across different assets,"
        " industries or regions so that poor performance in one has a smaller effect on the whole"
        " portfolio.",
        "It can reduce unsystematic risk, the risk specific to individual companies, but it cannot"
        " eliminate market-wide risk.",
    ),
    Entry(
        "asset allocation",
        "Asset allocation is how an investment portfolio is divided among broad asset classes such"
        " as stocks, bonds and cash.",
        "It is a major driver of a portfolio's risk and return, and it is usually set according to"
        " an investor's goals, time horizon and risk tolerance.",
    ),
    Entry(
        "rebalancing",
        "Rebalancing is the process of buying and selling holdings to bring a portfolio back to"
        " its target asset allocation after market movements have shifted it.",
        "For example, if a portfolio of 60% stocks and 40% bonds drifts to 70% stocks after a"
        " rally, rebalancing sells some stocks and buys bonds to restore the 60/40 split.",
    ),
    Entry(
        "portfolio",
        "A portfolio is the collection of investments held by a person or an institution, such as"
        " stocks, bonds, funds and cash.",
        "Portfolio theory focuses on how the investments behave together rather than on each one"
        " in isolation.",
    ),
    Entry(
        "risk tolerance",
        "Risk tolerance is the degree of variability in investment returns, including temporary"
        " losses, that an investor is willing and able to accept.",
        "It depends on factors such as financial situation, time horizon and personal comfort with"
        " market swings.",
    ),
    Entry(
        "volatility",
        "Volatility is the degree to which an asset's price moves up and down over time, usually"
        " measured by the standard deviation of its returns.",
        "Higher volatility means larger and more frequent price swings, and it is often used as a"
        " measure of risk.",
    ),
    Entry(
        "beta",
        "Beta is a measure of how strongly a stock's returns tend to move with the returns of the"
        " overall market.",
        "A beta of 1 means the stock tends to move in line with the market, a beta above 1 means"
        " it tends to move more than the market, and a beta below 1 means it tends to move less.",
    ),
    Entry(
        "alpha",
        "Alpha is the return of an investment above or below what would be expected given its"
        " exposure to market risk, often measured against a benchmark index.",
        "A positive alpha suggests that a fund manager added value beyond what market exposure"
        " alone would have delivered.",
    ),
    Entry(
        "standard deviation",
        "Standard deviation is a statistical measure of how widely a set of values is spread"
        " around its average; in finance it is the most common measure of the volatility of"
        " returns.",
        "When returns follow a normal distribution, roughly two-thirds of them fall within one"
        " standard deviation of the average.",
    ),
    Entry(
        "Sharpe ratio",
        "The Sharpe ratio is a measure of risk-adjusted return: an investment's return above the"
        " risk-free rate divided by the standard deviation of its returns.",
        "A higher Sharpe ratio means more excess return for each unit of volatility taken on.",
    ),
    Entry(
        "systematic risk",
        "Systematic risk is risk that affects the whole market or economy, such as recessions,"
        " interest rate changes or political shocks, and it cannot be removed by diversification.",
        "It is also called market risk or non-diversifiable risk.",
    ),
    Entry(
        "unsystematic risk",
        "Unsystematic risk is risk specific to an individual company or industry, such as a failed"
        " product or a lawsuit.",
        "It is also called diversifiable risk, because holding many different investments greatly"
        " reduces it.",
    ),
    Entry(
        "correlation",
        "Correlation is a statistical measure, from -1 to +1, of how closely the returns of two"
        " investments move together.",
        "Combining assets with low or negative correlation is what makes diversification"
        " effective.",
    ),
    Entry(
        "bull market",
        "A bull market is a prolonged period in which prices in a financial market are rising,"
        " often defined for stocks as a rise of 20% or more from a recent low.",
        "It usually goes together with investor optimism and a growing economy.",
    ),
    Entry(
        "bear market",
        "A bear market is a prolonged period of falling prices, commonly defined as a decline of"
        " 20% or more from a recent high.",
        "Bear markets often, but not always, coincide with recessions.",
    ),
    Entry(
        "market correction",
        "A market correction is a decline of at least 10%, but less than 20%, from a recent peak"
        " in the price of a stock, an index or another asset.",
        "Corrections are relatively common and are often short-lived compared with bear markets.",
    ),
    Entry(
        "IPO",
        "An IPO (initial public offering) is the first sale of a private company's shares to the"
        " public, after which the shares are listed and traded on a stock exchange.",
        "Companies use IPOs to raise capital, and early investors often use them to sell part of"
        " their holdings.",
    ),
    Entry(
        "secondary market",
        "The secondary market is where investors buy and sell existing securities among"
        " themselves, such as on a stock exchange.",
        "The issuing company receives no money from these trades, but an active secondary market"
        " makes its securities easier to buy and sell.",
    ),
    Entry(
        "bid-ask spread",
        "The bid-ask spread is the difference between the highest price a buyer is willing to pay"
        " for an asset (the bid) and the lowest price a seller will accept (the ask).",
        "Narrow spreads are a sign of a liquid market, while wide spreads add to the cost of"
        " trading.",
    ),
    Entry(
        "market order",
        "A market order is an instruction to buy or sell a security immediately at the best"
        " available current price.",
        "It makes the trade very likely to happen quickly, but it does not guarantee the exact"
        " price.",
    ),
    Entry(
        "limit order",
        "A limit order is an instruction to buy or sell a security only at a specified price or"
        " better.",
        "It controls the price received but does not guarantee that the trade will be carried out.",
    ),
    Entry(
        "short selling",
        "Short selling is selling borrowed shares in the hope of buying them back later at a lower"
        " price and keeping the difference.",
        "Because a share price can rise without limit, the potential loss on a short sale is"
        " theoretically unlimited.",
    ),
    Entry(
        "buying on margin",
        "Buying on margin is buying securities partly with money borrowed from a broker, using the"
        " securities themselves as collateral.",
        "It magnifies both gains and losses, and if the account's value falls too far the broker"
        " can issue a margin call.",
    ),
    Entry(
        "margin call",
        "A margin call is a demand from a broker for an investor to add money or securities to a"
        " margin account whose equity has fallen below the required minimum.",
        "If the investor does not meet it, the broker can sell holdings in the account to cover"
        " the shortfall.",
    ),
    Entry(
        "leverage",
        "Leverage is the use of borrowed money or financial instruments to increase the potential"
        " return of an investment, at the cost of increasing the potential loss.",
        "For example, buying a $100,000 asset with $20,000 of one's own money and $80,000 of debt"
        " means a 10% rise in its value is a 50% gain on the equity, and a 10% fall is a 50% loss,"
        " before interest costs.",
    ),
    Entry(
        "derivative",
        "A derivative is a financial contract whose value depends on the price of an underlying"
        " asset, such as a stock, bond, commodity, currency or interest rate.",
        "Options, futures, forwards and swaps are the main types, and they are used both for"
        " hedging and for speculation.",
    ),
    Entry(
        "option",
        "An option is a contract that gives its buyer the right, but not the obligation, to buy or"
        " sell an underlying asset at a set price (the strike price) on or before a set date.",
        "The buyer pays the seller a price called the premium for this right.",
    ),
    Entry(
        "call option",
        "A call option is an option that gives the holder the right to buy an underlying asset at"
        " the strike price on or before the expiry date.",
        "For example, a call with a $50 strike on a stock that is trading at $60 at expiry is"
        " worth $10 per share, before subtracting the premium paid for it.",
    ),
    Entry(
        "put option",
        "A put option is an option that gives the holder the right to sell an underlying asset at"
        " the strike price on or before the expiry date.",
        "Investors often buy puts as a form of insurance against a fall in the price of an asset"
        " they own.",
    ),
    Entry(
        "strike price",
        "The strike price is the fixed price at which the holder of an option can buy (for a call)"
        " or sell (for a put) the underlying asset.",
        "An option whose strike price would make immediate exercise profitable is described as in"
        " the money.",
    ),
    Entry(
        "futures contract",
        "A futures contract is a standardized, exchange-traded agreement to buy or sell a"
        " specified quantity of an asset at a set price on a future date.",
        "Gains and losses are settled daily through margin accounts, and futures are widely used"
        " to hedge commodity, currency and interest rate risk.",
    ),
    Entry(
        "swap",
        "A swap is a derivative contract in which two parties agree to exchange streams of cash"
        " flows over a period, such as fixed interest payments for floating ones.",
        "For example, a company with a floating-rate loan can use an interest rate swap to turn"
        " its payments into effectively fixed ones.",
    ),
    Entry(
        "hedging",
        "Hedging is taking a position intended to offset potential losses in another investment or"
        " exposure, much like buying insurance.",
        "For example, an airline may use fuel futures to lock in a price and protect itself"
        " against a rise in fuel costs.",
    ),
    Entry(
        "arbitrage",
        "Arbitrage is the practice of profiting from a price difference for the same or an"
        " equivalent asset in different markets by buying where it is cheaper and selling where it"
        " is more expensive at the same time.",
        "Arbitrage activity tends to eliminate such price differences quickly.",
    ),
    Entry(
        "liquidity",
        "Liquidity is how quickly and easily an asset can be converted into cash without"
        " significantly affecting its price.",
        "Cash is the most liquid asset, large-company shares are usually highly liquid, and real"
        " estate is relatively illiquid; the term also describes a company's ability to meet its"
        " short-term obligations.",
    ),
    Entry(
        "broker",
        "A broker is a person or firm that arranges the buying and selling of securities or other"
        " assets on behalf of clients, usually for a fee or commission.",
        "Many brokers now run online platforms that let individuals trade stocks, ETFs and other"
        " securities.",
    ),
    Entry(
        "stock exchange",
        "A stock exchange is a regulated marketplace where shares and other securities are listed"
        " and traded.",
        "Examples include the New York Stock Exchange, Nasdaq and the London Stock Exchange.",
    ),
    Entry(
        "over-the-counter market",
        "The over-the-counter market is the trading of securities directly between two parties,"
        " often through networks of dealers, rather than on a formal exchange.",
        "It is often abbreviated OTC, and many bonds, currencies and derivatives such as swaps are"
        " traded this way.",
    ),
    Entry(
        "growth stock",
        "A growth stock is a share in a company expected to grow its revenue or earnings faster"
        " than the average company.",
        "Growth stocks often pay little or no dividend and tend to trade at high P/E ratios.",
    ),
    Entry(
        "capital gain",
        "A capital gain is the profit made when an asset such as a stock or a property is sold for"
        " more than its purchase price.",
        "Until the asset is sold, the increase in value is an unrealized gain; many tax systems"
        " tax capital gains only when they are realized.",
    ),
    Entry(
        "total return",
        "Total return is the full return on an investment over a period, including both the change"
        " in price and any income received, such as dividends or interest.",
        "For example, a stock that rises from $100 to $105 and pays $3 in dividends has a total"
        " return of 8% over the period.",
    ),
    Entry(
        "expense ratio",
        "The expense ratio is the annual cost of owning a fund, expressed as a percentage of the"
        " assets invested.",
        "For example, an expense ratio of 0.20% costs $20 a year for every $10,000 invested,"
        " deducted from the fund's assets rather than billed separately.",
    ),
    Entry(
        "net asset value",
        "Net asset value (NAV) is the value of a fund's assets minus its liabilities, usually"
        " expressed per share.",
        "Mutual fund shares are bought and sold at the NAV calculated at the end of each trading"
        " day.",
    ),
    Entry(
        "passive investing",
        "Passive investing is an investment strategy that aims to match the return of a market"
        " index, usually by holding an index fund, rather than trying to beat it.",
        "It typically involves low fees and little trading, in contrast to active management, in"
        " which managers select investments to try to outperform.",
    ),
    Entry(
        "benchmark",
        "A benchmark is a standard, usually a market index, against which the performance of an"
        " investment or a fund manager is measured.",
        "For example, a fund investing in large US companies is often compared with the S&P 500.",
    ),
    Entry(
        "dollar-cost averaging",
        "Dollar-cost averaging is the practice of investing a fixed amount of money at regular"
        " intervals, regardless of the price.",
        "Because the same amount buys more shares when prices are low and fewer when they are"
        " high, it reduces the risk of investing a large sum at an unlucky moment.",
    ),
    Entry(
        "efficient market hypothesis",
        "The efficient market hypothesis is the theory that asset prices fully reflect all"
        " available information, making it very difficult to earn above-average risk-adjusted"
        " returns consistently.",
        "It is usually described in weak, semi-strong and strong forms, depending on what"
        " information prices are assumed to reflect.",
    ),
    Entry(
        "REIT",
        "A REIT (real estate investment trust) is a company that owns, operates or finances"
        " income-producing real estate, such as offices, apartments or warehouses.",
        "In the United States, a REIT must distribute at least 90% of its taxable income to"
        " shareholders as dividends.",
    ),
    Entry(
        "commodity",
        "A commodity is a basic, largely interchangeable good such as oil, wheat, copper or gold"
        " that is traded in bulk on markets.",
        "Commodities are commonly traded through futures contracts.",
    ),
    Entry(
        "private equity",
        "Private equity is investment in companies that are not publicly traded, often by buying"
        " whole companies, improving them and selling them several years later.",
        "Leveraged buyouts, in which a purchase is funded largely with debt, are a common private"
        " equity strategy.",
    ),
    Entry(
        "stock buyback",
        "A stock buyback is a company's purchase of its own shares, reducing the number of shares"
        " outstanding.",
        "It returns cash to shareholders and usually raises earnings per share, because profits"
        " are divided among fewer shares.",
    ),
    Entry(
        "stock split",
        "A stock split is an increase in the number of a company's shares made by dividing each"
        " existing share into several, with the share price reduced in proportion.",
        "For example, in a 2-for-1 split a shareholder with 100 shares at $80 ends up with 200"
        " shares at $40, so the value of the holding does not change.",
    ),
    Entry(
        "inflation",
        "Inflation is the rate at which the general level of prices for goods and services rises"
        " over time, reducing the purchasing power of money.",
        "It is commonly measured by the annual change in a consumer price index, and many central"
        " banks aim for inflation of around 2% a year.",
    ),
    Entry(
        "deflation",
        "Deflation is a sustained fall in the general level of prices, the opposite of inflation.",
        "Although lower prices sound good, persistent deflation can hurt an economy by encouraging"
        " people to delay spending and by increasing the real burden of debts.",
    ),
    Entry(
        "consumer price index",
        "The consumer price index (CPI) is a measure of the average change over time in the prices"
        " paid by households for a basket of goods and services.",
        "The percentage change in the CPI over twelve months is the most widely quoted measure of"
        " inflation.",
    ),
    Entry(
        "nominal interest rate",
        "A nominal interest rate is the stated interest rate on a loan or investment, before"
        " adjusting for inflation.",
        "For example, a savings account paying 4% has a nominal rate of 4% regardless of how"
        " prices change.",
    ),
    Entry(
        "real interest rate",
        "A real interest rate is an interest rate adjusted for inflation, showing the actual"
        " change in purchasing power.",
        "It is approximately the nominal rate minus the inflation rate; for example, a 5% nominal"
        " return with 3% inflation is a real return of about 2%.",
    ),
    Entry(
        "simple interest",
        "Simple interest is interest calculated only on the original principal, not on interest"
        " previously earned.",
        "For example, $1,000 at 5% simple interest earns $50 a year, or $150 over three years.",
    ),
    Entry(
        "compound interest",
        "Compound interest is interest calculated on both the original principal and the interest"
        " already added to it, so the balance grows faster over time.",
        "For example, $1,000 at 5% compounded annually grows to $1,050 after one year and to about"
        " $1,157.63 after three years, compared with $1,150 under simple interest.",
    ),
    Entry(
        "APR",
        "APR (annual percentage rate) is the yearly cost of borrowing expressed as a percentage,"
        " including interest and, in many cases, certain required fees.",
        "It generally does not reflect compounding within the year, so it can understate the true"
        " annual cost compared with the effective annual rate.",
    ),
    Entry(
        "APY",
        "APY (annual percentage yield) is the effective annual rate of return on a savings or"
        " investment account, taking compounding within the year into account.",
        "For example, a 5% rate compounded monthly gives an APY of about 5.12%.",
    ),
    Entry(
        "time value of money",
        "The time value of money is the principle that a sum of money today is worth more than the"
        " same sum in the future, because money available now can be invested to earn a return.",
        "It underlies the calculation of present value, future value, loan payments and the"
        " appraisal of investments.",
    ),
    Entry(
        "present value",
        "Present value is what a future sum of money is worth today, found by discounting it at an"
        " appropriate interest rate.",
        "For example, $110 received in one year has a present value of $100 at a 10% discount"
        " rate.",
    ),
    Entry(
        "future value",
        "Future value is what a sum invested today will be worth at a future date, given a"
        " specific rate of return.",
        "For example, $100 invested at 10% a year has a future value of $121 after two years with"
        " annual compounding.",
    ),
    Entry(
        "discount rate",
        "A discount rate is the interest rate used to convert future cash flows into their present"
        " value, reflecting the time value of money and risk.",
        "The term also refers to the interest rate a central bank charges banks for short-term"
        " loans, such as the rate at the Federal Reserve's discount window.",
    ),
    Entry(
        "net present value",
        "Net present value (NPV) is the present value of an investment's expected future cash"
        " flows minus the cost of the investment.",
        "A positive NPV means the investment is expected to earn more than the discount rate used,"
        " which is a common criterion for accepting a project.",
    ),
    Entry(
        "internal rate of return",
        "The internal rate of return (IRR) is the discount rate at which an investment's net"
        " present value equals zero.",
        "A project is often considered attractive if its IRR exceeds the cost of capital, although"
        " IRR can mislead when comparing projects of different sizes or with unusual cash flows.",
    ),
    Entry(
        "discounted cash flow",
        "Discounted cash flow (DCF) analysis is a valuation method that estimates an investment's"
        " value today by discounting its expected future cash flows to their present value.",
        "Its results are very sensitive to the assumptions used for growth rates and the discount"
        " rate.",
    ),
    Entry(
        "cost of capital",
        "The cost of capital is the minimum return a company must earn on its investments to"
        " satisfy its lenders and shareholders.",
        "It is often estimated as the weighted average cost of capital (WACC) and used as the"
        " discount rate when evaluating projects.",
    ),
    Entry(
        "WACC",
        "WACC (weighted average cost of capital) is a company's average cost of financing from all"
        " sources, with the costs of debt and equity weighted by their shares of total financing.",
        "The cost of debt is usually taken after tax, because interest payments are tax-deductible"
        " in many countries.",
    ),
    Entry(
        "opportunity cost",
        "Opportunity cost is the value of the best alternative given up when making a choice.",
        "For example, the opportunity cost of keeping $10,000 in an account that pays no interest"
        " is the return it could have earned elsewhere.",
    ),
    Entry(
        "risk premium",
        "A risk premium is the extra return investors expect for holding a risky asset instead of"
        " a risk-free one.",
        "The equity risk premium, for instance, is the expected return on stocks above the return"
        " on safe government bonds.",
    ),
    Entry(
        "risk-free rate",
        "The risk-free rate is the theoretical return on an investment with no risk of loss,"
        " usually approximated by the yield on short-term government debt such as US Treasury"
        " bills.",
        "It is the starting point for many valuation models, which add a risk premium on top of"
        " it.",
    ),
    Entry(
        "CAGR",
        "CAGR (compound annual growth rate) is the constant yearly growth rate that would take a"
        " value from its starting level to its ending level over a period, assuming the growth"
        " compounds.",
        "For example, an investment that grows from $1,000 to $2,000 over ten years has a CAGR of"
        " about 7.2%.",
    ),
    Entry(
        "central bank",
        "A central bank is the public institution that manages a country's or region's currency"
        " and monetary policy, such as the US Federal Reserve or the European Central Bank.",
        "It typically sets short-term interest rates, oversees the banking system and acts as"
        " lender of last resort in a crisis.",
    ),
    Entry(
        "monetary policy",
        "Monetary policy is the management of interest rates and the money supply by a central"
        " bank to achieve goals such as stable prices and full employment.",
        "Raising interest rates tightens monetary policy, usually to slow inflation, while cutting"
        " them loosens it to support growth.",
    ),
    Entry(
        "fiscal policy",
        "Fiscal policy is a government's use of public spending and taxation to influence the"
        " economy.",
        "Expansionary fiscal policy, such as tax cuts or higher spending, can boost demand during"
        " a downturn but may increase government borrowing.",
    ),
    Entry(
        "quantitative easing",
        "Quantitative easing is a monetary policy in which a central bank buys large amounts of"
        " financial assets, usually government bonds, to lower long-term interest rates and"
        " increase the money supply.",
        "It is typically used when short-term interest rates are already close to zero.",
    ),
    Entry(
        "federal funds rate",
        "The federal funds rate is the interest rate at which US banks lend reserve balances to"
        " each other overnight.",
        "The Federal Reserve sets a target range for it, which makes it the main benchmark of US"
        " monetary policy.",
    ),
    Entry(
        "gross domestic product",
        "Gross domestic product (GDP) is the total market value of all final goods and services"
        " produced within a country during a specific period.",
        "Real GDP adjusts for inflation, so it shows changes in the volume of output rather than"
        " in prices.",
    ),
    Entry(
        "recession",
        "A recession is a significant, widespread decline in economic activity lasting more than a"
        " few months, typically visible in output, employment, income and sales.",
        "A common shorthand is two consecutive quarters of falling real GDP, although official"
        " bodies such as the US National Bureau of Economic Research use a broader judgment.",
    ),
    Entry(
        "exchange rate",
        "An exchange rate is the price of one currency expressed in terms of another.",
        "For example, if 1 euro buys 1.10 US dollars, the euro-to-dollar exchange rate is 1.10.",
    ),
    Entry(
        "currency risk",
        "Currency risk is the risk that changes in exchange rates will reduce the value of an"
        " investment or a cash flow denominated in a foreign currency.",
        "For example, a US investor holding European shares loses money in dollar terms if the"
        " euro weakens, even when the shares' price in euros is unchanged.",
    ),
    Entry(
        "credit score",
        "A credit score is a number that summarizes how likely a person is to repay debts, based"
        " on the information in their credit reports.",
        "In the United States, FICO scores range from 300 to 850, and the main factors include"
        " payment history, amounts owed and length of credit history.",
    ),
    Entry(
        "collateral",
        "Collateral is an asset a borrower pledges to a lender as security for a loan, which the"
        " lender can take if the borrower defaults.",
        "For example, in a mortgage the home itself is the collateral.",
    ),
    Entry(
        "mortgage",
        "A mortgage is a loan used to buy property, in which the property serves as collateral for"
        " the loan.",
        "Most mortgages are repaid in regular installments over many years, often 15 to 30, with"
        " each payment covering both interest and principal.",
    ),
    Entry(
        "principal",
        "Principal is the original amount of money borrowed or invested, separate from any"
        " interest.",
        "With each regular payment on an amortizing loan, part of the money goes to interest and"
        " the rest reduces the principal.",
    ),
    Entry(
        "default",
        "A default is a failure to meet the legal obligations of a loan or bond, such as missing a"
        " scheduled interest or principal payment.",
        "The risk that a borrower will do this is called credit risk or default risk.",
    ),
    Entry(
        "bankruptcy",
        "Bankruptcy is a legal process for people or companies that cannot repay their debts,"
        " under which their assets may be sold to repay creditors or their debts restructured"
        " under court supervision.",
        "In the United States, Chapter 7 bankruptcy involves liquidation, while Chapter 11 lets a"
        " company keep operating while it reorganizes.",
    ),
)


def domains() -> tuple[Domain, ...]:
    """The two example domains, in the order they are written."""
    return (
        Domain(
            name="medical",
            field="medicine",
            system_prompt=(
                "You are a careful medical educator. Explain health and medical terms accurately"
                " and in plain language for a general audience. Give general educational"
                " information, not personal medical advice."
            ),
            glossary=MEDICAL_GLOSSARY,
        ),
        Domain(
            name="finance",
            field="finance",
            system_prompt=(
                "You are a careful finance educator. Explain accounting, investing and economics"
                " terms accurately and in plain language for a general audience. Give general"
                " educational information, not personal financial or investment advice."
            ),
            glossary=FINANCE_GLOSSARY,
        ),
    )


if __name__ == "__main__":
    main()
