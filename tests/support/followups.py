"""Two collections for the follow-up tests: the seed article alone, and the seed among
unrelated articles written here; the questions asked of them."""

from __future__ import annotations

from dataclasses import dataclass

from askbrief import Answer, Index, Settings

UNANSWERABLE = "What is the price of tungsten?"
CEASEFIRE = "What did Lavrov call a ceasefire?"
FERRY = "When does the first harbour ferry leave?"  # unrelated to the seed
CHESS = "Who won the city chess open?"  # unrelated to the seed

# Short articles about nothing the seed is about (and nothing about metals or prices of them).
OTHERS = {
    "ferry-timetable.txt": """Harbour ferry adds an early sailing to its winter timetable
The Kestrel Bay harbour ferry will add a 6:15 a.m. sailing to its winter timetable from 4 November, the operator said on Tuesday.
The first ferry currently leaves the north pier at 7:00 a.m. and crosses to Gull Island in twenty-five minutes.
Weekend sailings will run every forty minutes between 8 a.m. and 6 p.m.
Adult single tickets stay at 3.40 euros, while children under twelve travel free.
The operator said the change follows requests from nurses and shift workers on the island.
""",
    "cheese-festival.txt": """Village cheese festival draws a record crowd
More than nine thousand visitors came to the Oberwald cheese festival on Saturday, a record for the three-day event.
Forty-two dairies from the valley offered tastings of hard mountain cheeses and fresh goat's cheese.
The prize for the best aged cheese went to a 36-month wheel from the Brunner family farm.
Organisers said the festival's fondue tent ran out of bread by mid-afternoon.
Next year's festival is planned for the first weekend of September.
""",
    "chess-open.txt": """Teenager wins the city chess open on tie-break
Fifteen-year-old Maya Lindqvist won the Harlow City Chess Open on Sunday after a tense final-round game.
She finished on seven points from nine games, level with grandmaster Piotr Adamek, and took the title on tie-break.
The tournament drew 184 players from eleven countries to the town hall.
Lindqvist said she had prepared a new opening with her coach for the last game.
The winner receives 2,000 pounds and a place in the national championship.
""",
}


@dataclass
class Collection:
    name: str
    settings: Settings
    index: Index


def spans(answer: Answer) -> list[tuple[str, int, int]]:
    return [(q.article_id, q.start, q.end) for q in answer.quotes]
