"""The reference list: sources.bib entries formatted in the Vancouver style by the citation library, as plain text,
with safe links; the authors read as persons or organisations; BibTeX markup made plain text."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from evsynth.meta.inputs.bibnames import Authors, Name, parse_authors
from evsynth.meta.inputs.bibtex import BibEntry, read_bib
from evsynth.meta.inputs.bibtext import plain_text
from evsynth.meta.inputs.links import clean_doi, clean_pmid, doi_url, pubmed_url, source_link
from evsynth.meta.review.references import Reference, csl_item, csl_type, format_references

ROOT = Path(__file__).resolve().parent.parent
BIB = ROOT / "evidence" / "baclofen" / "sources.bib"


@pytest.fixture(scope="module")
def shipped():
    return read_bib(BIB)


def entry(key: str, kind: str = "article", **fields: str) -> BibEntry:
    return BibEntry(key, kind, 1, {"type": "journal article", **fields})


def one(e: BibEntry) -> Reference:
    (ref,) = format_references([e])
    return ref


# --- known entries, formatted as the NLM/Vancouver style gives them --------------------------------------------

def test_a_two_author_article_in_vancouver_style(shipped):
    ref = format_references(shipped, order=["abel1994"])[0]
    assert ref.text == ("Abel NA, Smith RA. Intrathecal baclofen for treatment of intractable spinal spasticity. "
                        "Arch Phys Med Rehabil. 1994;75:54–8.")
    assert (ref.key, ref.number, ref.doi, ref.pmid) == ("abel1994", 1, None, None)
    assert ref.url == "https://metajournal.com/articles/316222"  # no DOI or PMID: its own http(s) URL


def test_more_than_six_authors_are_cut_to_six_and_et_al_with_doi_and_pmid(shipped):
    ref = format_references(shipped, order=["addolorato2006"])[0]
    assert ref.text == ("Addolorato G, Leggio L, Abenavoli L, Agabio R, Caputo F, Capristo E, et al. Baclofen in the "
                        "treatment of alcohol withdrawal syndrome: a comparative study vs diazepam. Am J Med. "
                        "2006;119:13–8. doi:10.1016/j.amjmed.2005.08.042 PubMed PMID: 16490478.")
    assert ref.doi == "10.1016/j.amjmed.2005.08.042" and ref.pmid == "16490478"
    assert ref.url == "https://doi.org/10.1016/j.amjmed.2005.08.042"  # the DOI wins over PMID and URL


def test_issue_in_the_volume_field_and_a_pmid_only_link(shipped):
    ref = format_references(shipped, order=["baker1985"])[0]
    # "Baker KA et al." in the file: a partial author list keeps its "et al."
    assert ref.text == ("Baker KA, et al. Treatment of trigeminal neuralgia: use of baclofen in combination with "
                        "carbamazepine. Clin Pharm. 1985;4(1):93–6. PubMed PMID: 3971692.")
    assert ref.url == "https://pubmed.ncbi.nlm.nih.gov/3971692/"


def test_an_organisation_and_a_group_after_a_semicolon_are_literal_names(shipped):
    refs = {r.key: r for r in format_references(shipped, order=["nccwch2012", "hoving2009"])}
    assert refs["nccwch2012"].text.startswith("NCC-WCH. NICE CG145 Table 6.5:")
    assert refs["hoving2009"].text.startswith(
        "Hoving MA, van Raak EPM, Spincemaille GHJJ, Palmans LJ, Becher JG, Vles JSH, et al. ")
    # seven names (six persons and the study group): the style lists six and "et al."


def test_a_title_ending_in_a_question_mark_takes_no_period(shipped):
    text = format_references(shipped, order=["ren2003"])[0].text
    assert "intermittent hemodialysis? Ren Fail. 2003;25(2):297–305." in text
    assert "?." not in text


def test_every_shipped_entry_formats_to_plain_text(shipped):
    refs = format_references(shipped)
    assert len(refs) == len(shipped) == len({r.key for r in refs})
    assert [r.number for r in refs] == list(range(1, len(refs) + 1))
    for r in refs:
        assert r.text and r.text == " ".join(r.text.split())
        assert not re.search(r"[{}\\]|</?[A-Za-z]", r.text)  # no BibTeX braces or commands, no HTML tag
        assert "http" not in r.text  # the URL is a link apart, never in the text
        assert r.url is None or r.url.startswith(("https://", "http://"))
    assert format_references(shipped) == refs  # deterministic


# --- markup, missing fields, links -------------------------------------------------------------------------------

def test_markup_and_control_characters_in_a_title_come_out_as_plain_text():
    e = entry("x1", author=r"M{\"u}ller H and {World Health Organization}",
              title="<i>E.\u202e coli</i> \\& {DNA} in \\emph{vitro}\x07: $\\beta$-lactam <script>alert(1)</script>",
              journal="J \\& Med", year="2001", volume="3", pages="10--12")
    ref = one(e)
    assert ref.text == ("Müller H, World Health Organization. E. coli & DNA in vitro: β-lactam alert(1). J & Med. "
                        "2001;3:10–2.")


def test_latex_markup_read_from_a_bib_file(tmp_path):
    bib = tmp_path / "sources.bib"
    bib.write_text("@article{k1,\n  type = {journal article},\n  author = {Smith, John A. and van Beethoven, "
                   "Ludwig},\n  title = {The {GABA} receptor in {\\'E}tudes \\textit{de} cas},\n  journal = {Rev "
                   "Neurol},\n  year = {1999},\n  pages = {1--9},\n}\n", encoding="utf-8")
    ref = format_references(read_bib(bib))[0]
    assert ref.text == "Smith JA, van Beethoven L. The GABA receptor in Études de cas. Rev Neurol. 1999;1–9."


@pytest.mark.parametrize("fields, text", [
    ({"title": "Only a title"}, "Only a title."),
    ({"author": "Abel NA", "title": "No journal or year"}, "Abel NA. No journal or year."),
    ({"author": "Abel NA"}, "Abel NA."),
    ({"title": "In press", "journal": "J Med", "year": "in press"}, "In press. J Med. in press."),
    ({"author": "(manufacturer website)", "title": "A page"}, "A page."),
    ({"author": "Smith AB, Jones C, et al", "title": "T", "journal": "J", "year": "2000"},
     "Smith AB, Jones C, et al. T. J. 2000."),
])
def test_missing_fields_are_left_out(fields, text):
    assert one(entry("k", **fields)).text == text


def test_an_entry_with_nothing_to_format_gives_an_empty_text_not_an_error():
    ref = one(BibEntry("bare", "misc", 1, {"type": "secondary: website"}))
    assert ref.text == "" and ref.url is None


@pytest.mark.parametrize("fields, url", [
    ({"url": "javascript:alert(1)"}, None),
    ({"url": "ftp://example.org/a"}, None),
    ({"url": "https://user@evil.example/"}, None),
    ({"url": "data:text/html,<b>x</b>"}, None),
    ({"url": "http://example.org/a"}, "http://example.org/a"),
    ({"url": "javascript:x", "pmid": "123"}, "https://pubmed.ncbi.nlm.nih.gov/123/"),
    ({"pmid": "12a"}, None),
    ({"doi": "https://doi.org/10.1000/x y", "url": "https://example.org"}, "https://example.org"),
    ({"doi": "doi:10.1000/ab(c)", "pmid": "5"}, "https://doi.org/10.1000/ab(c)"),
])
def test_the_link_is_a_doi_a_pubmed_record_or_a_safe_url(fields, url):
    assert one(entry("k", title="T", **fields)).url == url


def test_links_helpers():
    assert clean_doi(" https://doi.org/10.1000/abc ") == "10.1000/abc" and clean_doi("11.1/x") is None
    assert clean_pmid("00123") == "123" and clean_pmid("0") is None and clean_pmid("١٢٣") is None
    assert doi_url("10.1000/a<b") == "https://doi.org/10.1000/a%3Cb"
    assert pubmed_url("x") is None
    assert source_link({}) is None


# --- order ---------------------------------------------------------------------------------------------------------

def test_citation_order_lists_the_cited_keys_once_in_order(shipped):
    refs = format_references(shipped, order=["zhang2014", "abel1994", "zhang2014"])
    assert [(r.number, r.key) for r in refs] == [(1, "zhang2014"), (2, "abel1994")]


def test_a_cited_key_with_no_source_is_an_error(shipped):
    with pytest.raises(ValueError, match="'nosuch'"):
        format_references(shipped, order=["abel1994", "nosuch"])


def test_two_entries_with_one_key_are_an_error():
    with pytest.raises(ValueError, match="'k'"):
        format_references([entry("k", title="a"), entry("k", title="b")])


def test_alphabetical_by_first_author_then_year_then_title():
    es = [entry("c", author="Zed A", title="T", year="1990"), entry("b", author="Abel B", title="T", year="2001"),
          entry("a", author="Abel B", title="T", year="1999"), entry("d", title="(review) Beta study"),
          entry("e", author="Älv C", title="T"), entry("f", year="2000"), entry("g", author="abel b", title="S",
                                                                            year="1999")]
    assert [r.key for r in format_references(es)] == ["g", "a", "b", "e", "d", "c", "f"]


def test_keys_that_differ_in_case_stay_apart():
    refs = format_references([entry("Ab", title="Upper"), entry("ab", title="Lower")])
    assert {r.key: r.text for r in refs} == {"Ab": "Upper.", "ab": "Lower."}


def test_reference_round_trips_through_json():
    ref = one(entry("k", title="T", doi="10.1/x", note="Retracted"))
    assert ref.note == "Retracted"
    assert Reference.from_dict(ref.to_dict()) == ref


# --- what the library is given ---------------------------------------------------------------------------------

def test_csl_item_and_type():
    e = entry("k", author="Abel NA, {Org}", title="T", journal="J", year="1994", volume="75", pages="54--8",
              doi="10.1000/x", pmid="12", url="https://example.org")
    item = csl_item(e)
    assert item == {"id": "k", "type": "article-journal",
                    "author": [{"family": "Abel", "given": "N. A."}, {"literal": "Org"}], "title": "T",
                    "container-title": "J", "volume": "75", "page": "54-8", "issued": {"date-parts": [[1994]]},
                    "DOI": "10.1000/x", "PMID": "12"}
    assert "DOI" not in csl_item(entry("k", doi="10.1/x"))  # not a DOI: not given
    assert "URL" not in item
    assert csl_type(BibEntry("k", "book", 1, {"type": "journal article"})) == "book"
    assert csl_type(BibEntry("k", "article", 1, {"type": "conference abstract"})) == "paper-conference"
    assert csl_type(BibEntry("k", "article", 1, {"type": "conference abstract", "journal": "J"})) == "article-journal"
    assert csl_type(BibEntry("k", "misc", 1, {"type": "secondary: news"})) == "article-newspaper"
    assert csl_type(BibEntry("k", "misc", 1, {})) == "document"


# --- authors -------------------------------------------------------------------------------------------------------

def P(family, given="", suffix=""):
    return Name(family=family, given=given, suffix=suffix)


def L(text):
    return Name(literal=text)


@pytest.mark.parametrize("value, names, et_al", [
    ("Abel NA, Smith RA", [P("Abel", "N. A."), P("Smith", "R. A.")], False),
    ("Smith, John and Doe, Jane A.", [P("Smith", "John"), P("Doe", "Jane A.")], False),
    ("John Smith and Ludwig van Beethoven", [P("Smith", "John"), P("van Beethoven", "Ludwig")], False),
    ("{World Health Organization} and Smith, J.", [L("World Health Organization"), P("Smith", "J.")], False),
    ("Smith, Jr, John", [P("Smith", "John", "Jr")], False),
    ("Smith, John", [P("Smith", "John")], False),
    ("Smith J and Doe AB", [P("Smith", "J."), P("Doe", "A. B.")], False),
    ("Smith, John and others", [P("Smith", "John")], True),
    ("Baker KA et al.", [P("Baker", "K. A.")], True),
    ("Azouvi P, et al.", [P("Azouvi", "P.")], True),
    ("Ponizovsky AM et al. (registry NCT01002105)", [P("Ponizovsky", "A. M.")], True),
    ("Conomy JP (per secondary citation)", [P("Conomy", "J. P.")], False),
    ("(manufacturer website)", [], False),
    ("NIAAA (responsible party)", [L("NIAAA (responsible party)")], False),
    ("National Collaborating Centre for Women's and Children's Health (NCC-WCH)",
     [L("National Collaborating Centre for Women's and Children's Health (NCC-WCH)")], False),
    ("Alcohol and Drug Research Group", [L("Alcohol and Drug Research Group")], False),
    ("Psychomédia (news, citing Le Figaro/ANSM)", [L("Psychomédia (news, citing Le Figaro/ANSM)")], False),
    ("Vles JSH; Dutch Study Group", [P("Vles", "J. S. H."), L("Dutch Study Group")], False),
    ("Study Group WHO", [L("Study Group WHO")], False),
    ("N. A. Abel", [P("Abel", "N. A.")], False),
    (r"M{\"u}ller H, \c{C}elik A", [P("Müller", "H."), P("Çelik", "A.")], False),
    ("", [], False),
])
def test_authors_are_read_as_persons_or_organisations(value, names, et_al):
    assert parse_authors(value) == Authors(tuple(names), et_al)


def test_every_shipped_author_field_gives_names(shipped):
    for key, e in shipped.items():
        value = e.fields.get("author")
        if value and value != "(manufacturer website)":
            assert parse_authors(value).names, key


# --- plain text ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (r"M{\"u}ller \& Co", "Müller & Co"),
    (r"\'{e}t\'e \c{c}a \'{\i}", "été ça í"),
    (r"\emph{E. coli} in {DNA}", "E. coli in DNA"),
    (r"Stra\ss e", "Straße"),
    (r"$\alpha$-blockers $^{14}$C", "α-blockers 14C"),
    ("Cost $5 and $10", "Cost $5 and $10"),
    ("50% ~20-year J.~A.", "50% ~20-year J. A."),
    ("<i>E. coli</i> &amp; <b >x</b> a < b > c", "E. coli & x a < b > c"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"),
    ("x\x07y\u202ez&#7;w\tv\nu", "xyzw v u"),  # invisible characters removed, breaks made spaces
    ("54--8 a---b ``q''", "54–8 a—b “q”"),
    (r"\unknown x \foo{bar}", "unknown x bar"),
    ("{{{{{{x", "x"),
    ("{" * 5000 + "deep" + "}" * 5000, "deep"),
    (r"\v{c}\u{g}\H{o}", "čğő"),
])
def test_bibtex_markup_becomes_plain_text(value, text):
    assert plain_text(value) == text


def test_page_ranges_keep_a_hyphen():
    assert plain_text("54--8", dashes=False) == "54-8"
