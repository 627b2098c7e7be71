"""JSON Resume import: validation paths and the CONTRACT's mapping rules (pure, no app, no DB)."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from portal.services.framework_loader import read_framework_file
from portal.services.resume import (
    EDUCATION_RANK,
    CompetencyTerms,
    SuggestedAssessment,
    check_resume,
    load_resume_schema,
    map_resume,
    resume_errors,
)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "node_modules/@jsonresume/schema/schema.json"
TODAY = date(2024, 1, 1)

COMPETENCIES = [
    CompetencyTerms(
        "product-strategy",
        "Product strategy and vision",
        ("Aligns the product roadmap with market demands", "Sets the product vision"),
    ),
    CompetencyTerms(
        "data-driven",
        "Data-driven decision making",
        ("Uses product analytics to optimize revenue", "Runs A/B tests"),
    ),
    CompetencyTerms(
        "team-leadership",
        "Team leadership",
        ("Coaches product managers", "Hires for the product team"),
    ),
]


def shipped_competency_terms() -> list[CompetencyTerms]:
    """The shipped framework file's competencies as matching terms (no database needed)."""
    return [
        CompetencyTerms(entry["slug"], entry["name"], tuple(entry["indicators"]))
        for entry in read_framework_file()["competencies"]
    ]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Replaces conftest's autouse fixture of this name: these tests need no app, no database."""


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA_FILE.exists():
        pytest.skip("npm install --no-save --ignore-scripts @jsonresume/schema@1.3.1")
    return load_resume_schema(SCHEMA_FILE)


def job(position, start=None, end=None, company="Acme"):
    entry = {"name": company, "position": position}
    if start:
        entry["startDate"] = start
    if end:
        entry["endDate"] = end
    return entry


def mapped(**document):
    document.setdefault("basics", {"name": "Ada Candidate"})
    return map_resume(document, COMPETENCIES, TODAY)


SAMPLE = {
    "basics": {
        "name": "Ada Candidate",
        "label": "VP Product",
        "email": "ada@example.com",
        "summary": "Builds product organisations.",
    },
    "work": [
        job("Product Manager", "2015-01", "2018-01", company="Initech"),
        job("VP Product", "2018-01", company="Globex"),
    ],
    "education": [{"institution": "Uni", "studyType": "MBA", "startDate": "2010"}],
    "certificates": [{"name": "Certified Scrum Product Owner", "date": "2016-05-01"}],
    "skills": [
        {"name": "Product Strategy", "level": "Expert", "keywords": ["Roadmap", "Vision"]},
        {"name": "Analytics", "keywords": ["SQL", "A/B tests"]},
    ],
}


# --- basics and work history ------------------------------------------------------------------


def test_basics_map_onto_profile_fields():
    profile = map_resume(SAMPLE, COMPETENCIES, TODAY)
    assert (profile.name, profile.email, profile.headline, profile.summary) == (
        "Ada Candidate",
        "ada@example.com",
        "VP Product",
        "Builds product organisations.",
    )


def test_absent_basics_fields_are_empty_strings():
    profile = mapped()
    assert (profile.email, profile.headline, profile.summary) == ("", "", "")
    assert profile.certifications == []
    assert profile.work_history == []
    assert profile.assessments == []
    assert profile.education == "none"
    assert (profile.years_product, profile.years_leadership) == (0.0, 0.0)


def test_work_history_keeps_document_order_and_open_ends():
    profile = map_resume(SAMPLE, COMPETENCIES, TODAY)
    assert profile.work_history == [
        {
            "company": "Initech",
            "position": "Product Manager",
            "start_date": "2015-01",
            "end_date": "2018-01",
        },
        {"company": "Globex", "position": "VP Product", "start_date": "2018-01", "end_date": None},
    ]


# --- years of product experience --------------------------------------------------------------


def test_overlapping_product_jobs_are_merged():
    profile = mapped(
        work=[
            job("Product Manager", "2015-01-01", "2018-01-01"),
            job("Senior Product Manager", "2017-01-01", "2019-01-01"),
        ]
    )
    assert profile.years_product == 4.0


def test_job_inside_another_adds_nothing():
    profile = mapped(
        work=[job("Product Lead", "2010-01-01", "2020-01-01"), job("Product Owner", "2012", "2013")]
    )
    assert profile.years_product == 10.0


def test_separate_product_jobs_add_up():
    profile = mapped(
        work=[job("Product Manager", "2010-01-01", "2012-01-01"), job("PM", "2012", "2014")]
        + [job("Group product manager", "2016-01-01", "2018-01-01")]
    )
    assert profile.years_product == 4.0


def test_open_ended_job_runs_until_today():
    profile = mapped(work=[job("Head of Product", "2020-01-01")])
    assert profile.years_product == 4.0  # 2020-01-01 .. 2024-01-01 = 1461 days


def test_partial_dates_mean_their_first_day():
    year_only = mapped(work=[job("Product Manager", "2019", "2021")])
    year_month = mapped(work=[job("Product Manager", "2019-04", "2020-10")])
    assert year_only.years_product == 2.0  # 2019-01-01 .. 2021-01-01
    assert year_month.years_product == 1.5  # 2019-04-01 .. 2020-10-01 = 549 days


def test_non_product_job_is_ignored():
    profile = mapped(
        work=[job("Software Engineer", "2010", "2015"), job("Product Manager", "2015", "2016")]
    )
    assert profile.years_product == 1.0


def test_product_is_matched_case_insensitively_anywhere_in_the_position():
    profile = mapped(work=[job("CHIEF PRODUCT OFFICER", "2022-01-01", "2023-01-01")])
    assert profile.years_product == 1.0


def test_job_without_start_date_or_ending_before_its_start_counts_nothing():
    profile = mapped(
        work=[job("Product Manager", end="2020-01-01"), job("Product Manager", "2020", "2019")]
    )
    assert profile.years_product == 0.0
    assert len(profile.work_history) == 2


def test_time_after_today_is_not_counted():
    profile = mapped(
        work=[job("Product Manager", "2023-01-01", "2030-01-01"), job("Product Lead", "2025")]
    )
    assert profile.years_product == 1.0


def test_years_are_rounded_half_up_to_one_decimal():
    # 2022-01-01 .. 2022-01-19 = 18 days = 0.04928 years -> 0.0; 19 days = 0.0520 -> 0.1
    assert mapped(work=[job("Product", "2022-01-01", "2022-01-19")]).years_product == 0.0
    assert mapped(work=[job("Product", "2022-01-01", "2022-01-20")]).years_product == 0.1


# --- years of leadership ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "position",
    [
        "Head of Product",
        "VP Product",
        "VP, Product",
        "Vice President Engineering",
        "vice  president, sales",
        "Director of Product Management",
        "Chief Product Officer",
        "CPO",
        "CTO",
        "CEO/President",
        "COO",
        "Founder",
        "Co-Founder",  # '-' separates words, so "founder" is a whole word here
    ],
)
def test_leadership_positions_count_by_whole_word(position):
    assert mapped(work=[job(position, "2020-01-01", "2022-01-01")]).years_leadership == 2.0


@pytest.mark.parametrize(
    "position",
    ["Headhunter", "Product Manager", "SVP Sales", "Cofounder", "Directory admin", "Vice Chair"],
)
def test_other_positions_are_not_leadership(position):
    assert mapped(work=[job(position, "2020-01-01", "2022-01-01")]).years_leadership == 0.0


def test_leadership_and_product_years_are_measured_separately():
    profile = mapped(
        work=[
            job("Product Manager", "2014-01-01", "2018-01-01"),
            job("Head of Product", "2018-01-01", "2020-01-01"),
            job("Director of Engineering", "2019-01-01", "2021-01-01"),
        ]
    )
    assert profile.years_product == 6.0
    assert profile.years_leadership == 3.0  # 2018..2021, the overlap counted once


# --- education and certificates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("study_type", "level"),
    [
        ("Bachelor", "bachelor"),
        ("bachelor of arts", "bachelor"),
        ("BA", "bachelor"),
        ("BS", "bachelor"),
        ("BSc", "bachelor"),
        ("B.Sc.", "bachelor"),
        ("B.A.", "bachelor"),
        ("Master", "master"),
        ("MA", "master"),
        ("MS", "master"),
        ("MSc", "master"),
        ("M.Sc.", "master"),
        ("MBA", "master"),
        ("Master of Science", "master"),
        ("PhD", "doctorate"),
        ("Ph.D.", "doctorate"),
        ("Doctorate", "doctorate"),
        ("doctorate in economics", "doctorate"),
        ("High school diploma", "none"),
        ("Bootcamp", "none"),
        ("Masters", "none"),  # not one of the CONTRACT's words
        ("", "none"),
    ],
)
def test_study_type_words(study_type, level):
    assert mapped(education=[{"studyType": study_type}]).education == level


def test_education_words_do_not_match_inside_other_words():
    assert mapped(education=[{"studyType": "Diploma in Cinema Studies"}]).education == "none"
    assert mapped(education=[{"studyType": "Mastery"}]).education == "none"


@pytest.mark.parametrize(
    "order",
    [
        ["BSc", "PhD", "MBA"],
        ["PhD", "MBA", "BSc"],
        ["MBA", "BSc", "PhD"],
    ],
)
def test_highest_education_wins_in_any_order(order):
    education = [{"studyType": study_type} for study_type in order]
    assert mapped(education=education).education == "doctorate"


def test_education_without_study_type_is_none():
    assert mapped(education=[{"institution": "Uni"}]).education == "none"
    assert mapped(education=[{"studyType": "MBA"}, {"institution": "Uni"}]).education == "master"


def test_education_levels_are_the_scorecard_levels():
    assert EDUCATION_RANK == ("none", "bachelor", "master", "doctorate")


def test_certifications_are_certificate_names_in_order():
    profile = mapped(
        certificates=[
            {"name": "Pragmatic Certified Product Manager"},
            {"issuer": "No name given"},
            {"name": "  "},
            {"name": "Certified Scrum Product Owner"},
        ]
    )
    assert profile.certifications == [
        "Pragmatic Certified Product Manager",
        "Certified Scrum Product Owner",
    ]


# --- skills -> suggested self-assessments -----------------------------------------------------


def levels(profile):
    return {suggestion.competency: suggestion.level for suggestion in profile.assessments}


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("Beginner", 2),
        ("novice", 2),
        ("Intermediate", 3),
        ("Advanced", 4),
        ("EXPERT", 5),
        ("Master", 5),
        ("advanced user", 4),
        ("Guru", 3),
        ("", 3),
        (None, 3),
    ],
)
def test_skill_level_words(level, expected):
    skill = {"name": "Product strategy"}
    if level is not None:
        skill["level"] = level
    assert levels(mapped(skills=[skill])) == {"product-strategy": expected}


def test_skill_name_found_in_competency_name_gives_evidence():
    profile = mapped(skills=[{"name": "Product Strategy", "level": "expert"}])
    assert profile.assessments == [
        SuggestedAssessment(
            "product-strategy",
            5,
            'JSON Resume skill "Product Strategy" (expert): matched "product strategy"',
        )
    ]


def test_keywords_match_indicators_and_evidence_names_skill_and_term():
    profile = mapped(skills=[{"name": "Numbers", "keywords": ["A/B tests", "Cooking"]}])
    assert profile.assessments == [
        SuggestedAssessment("data-driven", 3, 'JSON Resume skill "Numbers": matched "a/b tests"')
    ]


def test_competency_name_inside_a_skill_term_matches():
    profile = mapped(skills=[{"name": "Data-driven decision making at scale"}])
    assert levels(profile) == {"data-driven": 3}
    assert '"data-driven decision making at scale"' in profile.assessments[0].evidence


def test_terms_match_whole_phrases_only():
    # "vision" is a whole word of "Product strategy and vision"; "vis" and "roadmaps" are not.
    assert levels(mapped(skills=[{"name": "Vision"}])) == {"product-strategy": 3}
    assert levels(mapped(skills=[{"name": "Vis"}, {"name": "Roadmaps"}])) == {}


def test_terms_shorter_than_three_characters_are_ignored():
    competencies = [CompetencyTerms("ux", "UX and UI", ("Does UX research",))]
    document = {"skills": [{"name": "UX", "keywords": ["ui"]}]}
    assert map_resume(document, competencies, TODAY).assessments == []


def test_one_skill_can_suggest_several_competencies_with_all_matched_terms():
    profile = mapped(skills=[{"name": "Product", "level": "Advanced", "keywords": ["roadmap"]}])
    assert levels(profile) == {"product-strategy": 4, "data-driven": 4, "team-leadership": 4}
    strategy = profile.assessments[0]
    assert strategy.evidence == (
        'JSON Resume skill "Product" (Advanced): matched "product", "roadmap"'
    )


def test_no_competency_twice_and_the_highest_level_wins():
    profile = mapped(
        skills=[
            {"name": "Roadmapping", "level": "Beginner", "keywords": ["Product vision"]},
            {"name": "Strategy", "level": "Expert"},
            {"name": "Vision", "level": "Advanced"},
        ]
    )
    assert [s.competency for s in profile.assessments] == ["product-strategy"]
    assert profile.assessments[0].level == 5
    assert profile.assessments[0].evidence.startswith('JSON Resume skill "Strategy" (Expert)')


def test_equal_levels_keep_the_first_skill():
    profile = mapped(skills=[{"name": "Vision"}, {"name": "Strategy"}])
    assert len(profile.assessments) == 1
    assert '"Vision"' in profile.assessments[0].evidence


def test_skill_without_a_name_matches_by_keywords():
    profile = mapped(skills=[{"level": "Novice", "keywords": ["Product analytics"]}])
    assert profile.assessments == [
        SuggestedAssessment(
            "data-driven", 2, 'JSON Resume skill (Novice): matched "product analytics"'
        )
    ]


def test_shipped_framework_competencies_are_recognised():
    competencies = shipped_competency_terms()
    document = {"skills": [{"name": "Product Strategy", "level": "Expert"}]}
    suggestions = map_resume(document, competencies, TODAY).assessments
    assert "product-strategy" in {s.competency for s in suggestions}
    assert all(s.level == 5 for s in suggestions)
    assert len({s.competency for s in suggestions}) == len(suggestions)


# --- validation -------------------------------------------------------------------------------


def test_valid_document_has_no_errors(schema):
    assert resume_errors(SAMPLE, schema) == {}


def test_package_sample_resume_is_valid(schema):
    sample = json.loads((SCHEMA_FILE.parent / "sample.resume.json").read_text(encoding="utf-8"))
    assert resume_errors(sample, schema) == {}


@pytest.mark.parametrize("document", [[], "resume", 3, None])
def test_not_an_object(schema, document):
    assert resume_errors(document, schema) == {"_document": ["A JSON Resume is a JSON object."]}


# CONTRACT (issue 9): a value that breaks only a format is left out with a warning.


def test_an_email_that_is_no_address_is_left_out_with_a_warning(schema):
    document = copy.deepcopy(SAMPLE)
    document["basics"]["email"] = "not an email"
    check = check_resume(document, schema)
    assert check.errors == {}
    assert [w.path for w in check.warnings] == ["basics.email"]
    assert "email" not in check.document["basics"]
    assert document["basics"]["email"] == "not an email"  # the given document is not changed


def test_work_dates_off_the_iso8601_pattern_are_left_out_with_a_warning(schema):
    document = copy.deepcopy(SAMPLE)
    document["work"][0]["startDate"] = "May 2019"
    check = check_resume(document, schema)
    assert check.errors == {}
    assert [w.path for w in check.warnings] == ["work.0.startDate"]
    assert "May 2019" in check.warnings[0].message
    assert "startDate" not in check.document["work"][0]


def test_work_dates_that_are_no_real_days_are_left_out_with_a_warning(schema):
    document = copy.deepcopy(SAMPLE)
    document["work"][1]["endDate"] = "2019-02-30"
    check = check_resume(document, schema)
    assert check.errors == {}
    assert [(w.path, "not a real calendar date" in w.message) for w in check.warnings] == [
        ("work.1.endDate", True)
    ]


@pytest.mark.parametrize("basics", [None, {}, {"name": ""}, {"name": "   "}])
def test_name_is_required(schema, basics):
    document = copy.deepcopy(SAMPLE)
    if basics is None:
        del document["basics"]
    else:
        document["basics"] = basics
    assert resume_errors(document, schema) == {"basics.name": ["A name is required."]}


def test_wrong_types_are_reported_once_per_path(schema):
    document = copy.deepcopy(SAMPLE)
    document["basics"]["name"] = 42
    document["skills"] = {"name": "not a list"}
    errors = resume_errors(document, schema)
    assert set(errors) == {"basics.name", "skills"}
    assert len(errors["basics.name"]) == 1


def test_root_level_type_errors_use_the_document_key(schema):
    assert "_document" not in resume_errors({"basics": {"name": "A"}}, schema)
    errors = resume_errors({"basics": "Ada"}, schema)
    assert list(errors) == ["basics"]
