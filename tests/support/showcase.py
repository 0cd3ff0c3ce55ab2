"""A believable company's answers to all 31 tools, for exports people look at.

`answers_for` in program.py fills every output with a placeholder; this fills them the way a
leader would (paragraphs, lists, tables with their own columns, named lists), so the export tests
and a look at the rendered PDFs exercise real shapes. Every declared output of every tool is
present (tests/test_exports.py checks that against the registry).
"""

from __future__ import annotations

from typing import Any

COMPANY = "Harbor & Pine Furniture"
LEADER = "Maria Jensen"

SHOWCASE: dict[str, dict[str, Any]] = {
    "woop": {
        "wish": "Turn Harbor & Pine into a company that grows without me in every decision.",
        "outcome": (
            "Within a year the leadership team runs the weekly rhythm on its own, margins are "
            "back above 40%, and I spend two days a week on product and partnerships.\n\n"
            "The team knows where we are going and why, and can say no to work that does not "
            "fit."
        ),
        "obstacle": (
            "I step in whenever something looks slow, which teaches the team to wait for me."
        ),
        "plan": (
            "If I feel the urge to take over a decision, then I ask who owns it and what they "
            "need from me, and I write it in the decision log instead."
        ),
    },
    "know-thyself": {
        "identity": {
            "personal_dream": (
                "Build a workshop that people are proud to work in and a brand that proves "
                "sustainable furniture can be beautiful and affordable."
            ),
            "purpose": "Make good craftsmanship part of everyday homes.",
            "personal_values": ["Craft before speed", "Candour", "Stewardship", "Curiosity"],
            "strengths": [
                "Product taste and design judgement",
                "Building long supplier relationships",
                "Staying calm in a crisis",
            ],
        },
    },
    "dream": {
        "company_dream": (
            "By 2030 Harbor & Pine is the most trusted name in Nordic-made solid-wood furniture "
            "for young families: designed to last twenty years, repaired rather than replaced, "
            "and sold directly to the people who live with it."
        ),
        "target_market": (
            "Urban families aged 28 to 45 in Scandinavia, Germany and the Netherlands."
        ),
        "timeline": (
            "Three years to 2029, with the online direct channel at half of revenue by 2027."
        ),
        "success_picture": (
            "Sixty people, a second workshop, a repair service customers recommend, and an "
            "EBITDA margin of 15%."
        ),
    },
    "values": {
        "core_values": ["Craft before speed", "Say it straight", "Leave it better"],
        "value_behaviors": [
            {
                "value": "Craft before speed",
                "we_do": "Stop the line when a joint is not right",
                "we_never": "Ship a piece we would not keep ourselves",
            },
            {
                "value": "Say it straight",
                "we_do": "Raise problems in the weekly meeting, with a proposal",
                "we_never": "Talk about a colleague instead of to them",
            },
            {
                "value": "Leave it better",
                "we_do": "Log every improvement idea and review it monthly",
                "we_never": "Walk past waste or unsafe work",
            },
        ],
        "non_negotiables": [
            "Certified wood only",
            "No unpaid overtime",
            "Safety glasses on the floor",
        ],
    },
    "team": {
        "team_members": [
            {"name": "Maria Jensen", "role": "CEO", "since": "2014"},
            {"name": "Tomas Berg", "role": "Head of Production", "since": "2016"},
            {"name": "Aisha Karimi", "role": "Head of Sales & Online", "since": "2021"},
            {"name": "Lena Holm", "role": "Finance Manager", "since": "2019"},
        ],
        "roles_responsibilities": [
            {"role": "CEO", "accountable_for": "Strategy, product range, key partners"},
            {
                "role": "Head of Production",
                "accountable_for": "Output, quality, safety, lead times",
            },
            {
                "role": "Head of Sales & Online",
                "accountable_for": "Revenue, web shop, retail partners",
            },
            {"role": "Finance Manager", "accountable_for": "Cash, reporting, pricing analysis"},
        ],
        "team_gaps": ["No one owns customer service end to end", "No marketing lead"],
    },
    "fit": {
        "fit_scores": [
            {"person": "Tomas Berg", "values": 5, "job": 4, "team": 4, "boss": 5},
            {"person": "Aisha Karimi", "values": 4, "job": 5, "team": 3, "boss": 4},
            {"person": "Lena Holm", "values": 4, "job": 3, "team": 4, "boss": 4},
        ],
        "abc_matrix": {
            "a_players": ["Tomas Berg", "Aisha Karimi"],
            "b_players": ["Lena Holm"],
            "c_players": [],
        },
        "improvement_actions": [
            "Give Lena a controller course and a monthly pricing review",
            "Pair Aisha with Tomas on lead-time promises",
        ],
    },
    "cash": {
        "cash_position": 1250000,
        "cash_conversion_cycle": 74,
        "cash_levers": [
            "Deposits of 30% on made-to-order pieces",
            "Cut finished-goods stock of slow models by half",
            "Move oak purchases to 60-day terms",
        ],
        "cash_forecast": [
            {
                "quarter": "Q1",
                "inflow": "2,100,000",
                "outflow": "1,950,000",
                "closing": "1,400,000",
            },
            {
                "quarter": "Q2",
                "inflow": "2,400,000",
                "outflow": "2,150,000",
                "closing": "1,650,000",
            },
            {
                "quarter": "Q3",
                "inflow": "2,000,000",
                "outflow": "2,250,000",
                "closing": "1,400,000",
            },
            {
                "quarter": "Q4",
                "inflow": "2,900,000",
                "outflow": "2,300,000",
                "closing": "2,000,000",
            },
        ],
    },
    "energy": {
        "energy_audit": [
            {"area": "Sleep", "score": 6, "note": "Late e-mail evenings"},
            {"area": "Exercise", "score": 4, "note": "Dropped since the second shift started"},
            {"area": "Focus", "score": 5, "note": "Interrupted every twenty minutes"},
        ],
        "body_mind_habits": ["Walk to the workshop", "No screens after 21:00"],
        "energy_commitments": [
            "Two workouts a week in the calendar",
            "One meeting-free morning a week",
        ],
        "team_energy_practices": [
            "Friday lunch together",
            "Stand-up on the floor, not in the office",
        ],
    },
    "goals": {
        "annual_goals": [
            "Revenue 11.5 M (plus 18%)",
            "Gross margin back to 41%",
            "Online at 35% of revenue",
        ],
        "quarterly_goals": [
            {"quarter": "Q1", "goal": "Launch made-to-order deposits", "owner": "Lena"},
            {"quarter": "Q2", "goal": "New web shop with configurator", "owner": "Aisha"},
            {"quarter": "Q3", "goal": "Lead time down to 4 weeks", "owner": "Tomas"},
            {"quarter": "Q4", "goal": "Repair service in two cities", "owner": "Maria"},
        ],
        "key_metrics": [
            {"metric": "Gross margin", "target": "41%", "frequency": "Monthly"},
            {"metric": "Online revenue share", "target": "35%", "frequency": "Monthly"},
            {"metric": "Lead time", "target": "4 weeks", "frequency": "Weekly"},
        ],
    },
    "focus": {
        "focus_priorities": ["Web shop relaunch", "Margin recovery", "Hire a marketing lead"],
        "eliminate_limit_delegate": {
            "eliminate": ["Monthly trade-fair calls", "Custom one-off designs"],
            "limit": ["Supplier visits to one a month"],
            "delegate": ["Showroom rota", "Invoice approvals under 5,000"],
        },
        "daily_routines": ["Plan the day at 7:30", "Floor walk at 10:00"],
        "distraction_rules": ["Phone in the drawer in focus blocks", "E-mail three times a day"],
        "team_www": [
            {"who": "Aisha", "what": "Shop platform shortlist", "when": "End of March"},
            {"who": "Lena", "what": "Margin by product line", "when": "Every month-end"},
        ],
    },
    "performance": {
        "root_causes": [
            {"problem": "Late deliveries", "root_cause": "Batch sizes set by habit, not demand"},
            {"problem": "Margin erosion", "root_cause": "Prices not updated since wood costs rose"},
        ],
        "eighty_twenty_insights": [
            "Five models make 70% of the margin",
            "Two retail partners take 60% of the service time",
        ],
        "accountability_framework": [
            {"area": "Lead time", "owner": "Tomas", "review": "Weekly meeting"},
            {"area": "Margin", "owner": "Lena", "review": "Monthly review"},
            {"area": "Online growth", "owner": "Aisha", "review": "Weekly meeting"},
        ],
        "performance_kpis": [
            {"kpi": "On-time delivery", "now": "71%", "target": "95%"},
            {"kpi": "Gross margin", "now": "36%", "target": "41%"},
        ],
        "consequences": ["Missed targets are discussed the same week, with a plan"],
    },
    "meeting-rhythm": {
        "meeting_cadence": [
            {"meeting": "Daily huddle", "when": "08:45, 10 minutes", "who": "Floor leads"},
            {
                "meeting": "Weekly leadership",
                "when": "Monday 9:00, 60 minutes",
                "who": "Leadership team",
            },
            {
                "meeting": "Monthly review",
                "when": "First Thursday, half a day",
                "who": "Leadership + finance",
            },
            {"meeting": "Quarterly planning", "when": "One day off-site", "who": "Leadership team"},
        ],
        "meeting_agendas": [
            {
                "meeting": "Weekly leadership",
                "agenda": "Numbers, priorities, stuck decisions, one improvement",
            },
        ],
        "meeting_rules": [
            "Start on time",
            "Decisions go in the log",
            "No laptops except the note-taker",
        ],
    },
    "market-size": {
        "tam": 4200000000,
        "sam": 620000000,
        "som": 18500000,
        "market_segments": [
            {"segment": "Young families, urban", "size": "310 M", "growth": "6%"},
            {"segment": "Design-led singles", "size": "190 M", "growth": "4%"},
            {"segment": "Holiday homes", "size": "120 M", "growth": "2%"},
        ],
        "market_assumptions": ["Online share of furniture keeps rising 2 points a year"],
    },
    "segmentation-target-market": {
        "segmentation_criteria": ["Life stage", "Home ownership", "Buying channel", "Values"],
        "segment_evaluation": [
            {"segment": "Young families, urban", "attractiveness": "High", "fit": "High"},
            {"segment": "Design-led singles", "attractiveness": "Medium", "fit": "Medium"},
            {"segment": "Holiday homes", "attractiveness": "Low", "fit": "Medium"},
        ],
        "selected_segment": (
            "Urban young families who own their first home and want furniture that survives "
            "children and moves."
        ),
    },
    "target-segment-deep-dive": {
        "customer_jobs": [
            "Furnish a first family home on a budget",
            "Buy once, not every five years",
            "Feel good about where it came from",
        ],
        "pains": ["Flat-pack that wobbles after a year", "Weeks of waiting without news"],
        "gains": ["A piece that becomes part of the family", "Repairs instead of replacements"],
        "customer_journey": [
            {"stage": "Inspiration", "touchpoint": "Instagram, friends' homes"},
            {"stage": "Research", "touchpoint": "Web shop, reviews"},
            {"stage": "Purchase", "touchpoint": "Web shop, showroom"},
            {"stage": "Delivery", "touchpoint": "Own delivery team"},
        ],
        "buying_behavior": "Research online for weeks, often visit the showroom once, buy online.",
    },
    "value-proposition": {
        "value_propositions": [
            "Solid-wood furniture for family life, guaranteed for twenty years",
            "Repair and refresh service for every piece we sell",
        ],
        "products_services": ["Dining tables", "Beds", "Shelving", "Repair service"],
        "pain_relievers": [
            "Delivery date at the time of order",
            "Free repair in the first five years",
        ],
        "gain_creators": [
            "Name plate with the maker's signature",
            "Trade-in towards a larger table",
        ],
    },
    "value-proposition-testing": {
        "test_results": [
            {
                "hypothesis": "Families pay 15% more for a 20-year guarantee",
                "result": "Confirmed, 62 of 80",
            },
            {
                "hypothesis": "Repair service drives repeat purchase",
                "result": "Partly: strong for tables",
            },
        ],
        "validated_propositions": ["Twenty-year guarantee", "Repair service for tables and beds"],
        "willingness_to_pay": [
            {"product": "Dining table", "price_today": "1,490", "accepted": "1,690"},
            {"product": "Family bed", "price_today": "1,290", "accepted": "1,390"},
        ],
    },
    "product-development": {
        "product_tiers": [
            {
                "tier": "Essential",
                "description": "Three sizes, two finishes",
                "price_range": "890-1,290",
            },
            {
                "tier": "Signature",
                "description": "Configurable, ten finishes",
                "price_range": "1,490-2,400",
            },
        ],
        "mvp_features": ["Online configurator for tables", "Delivery date on the product page"],
        "product_roadmap": [
            {"when": "Q2", "what": "Configurator for tables"},
            {"when": "Q3", "what": "Family bed range"},
            {"when": "Q4", "what": "Repair kits"},
        ],
    },
    "pricing": {
        "pricing_model": (
            "Value-based list prices, reviewed twice a year against wood costs and competitors."
        ),
        "price_points": [
            {"product": "Essential table", "price": "1,090"},
            {"product": "Signature table", "price": "1,690"},
            {"product": "Repair visit", "price": "149"},
        ],
        "discount_policy": "No seasonal sales; a 10% trade-in credit is the only discount.",
    },
    "brand-marketing": {
        "brand_positioning": "The family table that lasts: Nordic craft made for real life.",
        "brand_promise": "Made to be lived with, and repaired for twenty years.",
        "marketing_channels": ["Instagram", "Search", "Showroom events", "Customer referrals"],
        "marketing_plan": [
            {"quarter": "Q1", "activity": "Maker stories series", "budget": "15,000"},
            {"quarter": "Q2", "activity": "Configurator launch campaign", "budget": "40,000"},
        ],
    },
    "customer-service": {
        "service_promise": "You always know when your furniture arrives, and we fix what breaks.",
        "service_standards": [
            "Reply within one working day",
            "Delivery date confirmed in 48 hours",
        ],
        "touchpoint_map": [
            {"touchpoint": "Order confirmation", "owner": "Online team", "standard": "Same day"},
            {"touchpoint": "Delivery", "owner": "Delivery team", "standard": "Two-hour slot"},
        ],
        "feedback_loop": "Every delivery gets a two-question survey; results reviewed each Monday.",
    },
    "route-to-market": {
        "gtm_strategy": (
            "Direct first: the web shop and two showrooms carry growth, while retail partners "
            "are kept for reach in Germany only."
        ),
        "sales_channels": [
            {"channel": "Web shop", "share_now": "22%", "share_target": "35%"},
            {"channel": "Showrooms", "share_now": "30%", "share_target": "30%"},
            {"channel": "Retail partners", "share_now": "48%", "share_target": "35%"},
        ],
        "sales_process": [
            "Inspire online",
            "Configure and book a showroom visit",
            "Order with deposit",
        ],
    },
    "core-activities": {
        "activities": [
            {"activity": "Design", "type": "Core", "keep_in_house": "Yes"},
            {"activity": "Joinery and finishing", "type": "Core", "keep_in_house": "Yes"},
            {"activity": "Delivery", "type": "Support", "keep_in_house": "Yes"},
            {"activity": "Payroll", "type": "Support", "keep_in_house": "No"},
        ],
        "outsourcing_decisions": [
            {"activity": "Payroll", "decision": "Outsource to accountant", "when": "Q2"},
        ],
        "activity_gaps": ["No one plans production capacity beyond four weeks"],
    },
    "processes-decisions": {
        "core_decisions": [
            {"decision": "Product range changes", "owner": "Maria", "input_from": "Aisha, Tomas"},
            {"decision": "Production schedule", "owner": "Tomas", "input_from": "Aisha"},
            {"decision": "Prices and discounts", "owner": "Lena", "input_from": "Maria"},
        ],
        "key_capabilities": ["Solid-wood joinery", "Online configuration", "Repair logistics"],
        "process_map": [
            {
                "process": "Order to delivery",
                "steps": "Order, deposit, schedule, build, deliver",
                "owner": "Tomas",
            },
        ],
    },
    "fit-abc-analysis": {
        "team_assessment": [
            {"person": "Tomas Berg", "fit": "High", "abc": "A"},
            {"person": "Aisha Karimi", "fit": "High", "abc": "A"},
            {"person": "Lena Holm", "fit": "Medium", "abc": "B"},
        ],
        "abc_distribution": {"a": 2, "b": 1, "c": 0},
        "development_actions": [
            "Controller course for Lena",
            "Leadership coaching for the floor leads",
        ],
    },
    "org-redesign": {
        "org_structure": {
            "ceo": "Maria Jensen",
            "production": "Tomas Berg",
            "growth": "Aisha Karimi (sales, online, marketing)",
            "finance_and_people": "Lena Holm",
        },
        "target_roles": [
            {"role": "Marketing lead", "reports_to": "Aisha", "hire_by": "Q2"},
            {"role": "Customer care lead", "reports_to": "Aisha", "hire_by": "Q3"},
        ],
        "personal_development_plans": [
            {
                "person": "Lena Holm",
                "focus": "Controlling and pricing",
                "support": "Course and mentor",
            },
        ],
        "transition_plan": [
            "Announce the structure in March",
            "Hire marketing lead",
            "Review in September",
        ],
    },
    "employer-branding": {
        "employer_value_proposition": (
            "Make things that last, with people who care how they are made."
        ),
        "talent_profiles": [
            {"profile": "Cabinet maker", "must_have": "Solid-wood experience"},
            {"profile": "Marketing lead", "must_have": "D2C growth in a small brand"},
        ],
        "recruitment_channels": ["Vocational schools", "LinkedIn", "Employee referrals"],
        "candidate_journey": [
            {"step": "Apply", "promise": "Answer within five days"},
            {"step": "Workshop day", "promise": "Paid trial day on the floor"},
        ],
    },
    "agile-teams": {
        "agile_teams": [
            {
                "team": "Web shop squad",
                "members": "Aisha, developer, designer",
                "mission": "Online at 35%",
            },
            {
                "team": "Lead-time squad",
                "members": "Tomas, two floor leads",
                "mission": "Four-week lead time",
            },
        ],
        "working_agreements": ["Two-week sprints", "Demo every second Friday"],
        "team_cadence": [
            {"ritual": "Planning", "when": "Monday, every two weeks"},
            {"ritual": "Demo", "when": "Friday, every two weeks"},
        ],
    },
    "digitalization": {
        "digitalization_priorities": [
            {"priority": "Web shop with configurator", "impact": "High", "effort": "Medium"},
            {"priority": "Production planning tool", "impact": "High", "effort": "High"},
            {"priority": "Customer service inbox", "impact": "Medium", "effort": "Low"},
        ],
        "ai_opportunities": ["Delivery date prediction", "Draft answers to customer e-mails"],
        "data_requirements": ["Orders with promised and actual dates", "Wood cost per model"],
        "tech_stack": ["Shopify", "Odoo", "Google Workspace"],
    },
    "digital-heart": {
        "data_lake_architecture": {
            "sources": ["Shopify", "Odoo", "Delivery app"],
            "storage": ["Cloud data warehouse"],
            "reporting": ["Weekly dashboard", "Monthly margin report"],
        },
        "data_sources": [
            {"source": "Shopify", "data": "Orders, customers", "refresh": "Hourly"},
            {"source": "Odoo", "data": "Production, stock, costs", "refresh": "Daily"},
        ],
        "data_governance": (
            "Lena owns the data model; every metric has one definition and one owner."
        ),
        "implementation_roadmap": [
            {"phase": "1", "scope": "Orders and margin dashboard", "when": "Q2"},
            {"phase": "2", "scope": "Lead-time prediction", "when": "Q4"},
        ],
    },
    "program-overview": {
        "key_insights": [
            "Growth is limited by lead time, not by demand.",
            "Five models carry the margin; the range can be cut by a third.",
            "The team is ready to own decisions once the rhythm and the decision log exist.",
        ],
        "twelve_month_priorities": [
            "Relaunch the web shop with the table configurator (Q2)",
            "Bring lead time down to four weeks (Q3)",
            "Restore gross margin to 41% through pricing and range",
            "Hire a marketing lead and a customer care lead",
        ],
        "commitments": [
            "Maria steps out of daily production decisions from April",
            "The leadership team meets every Monday, decisions go in the log",
            "Every quarter ends with a one-day planning off-site",
        ],
        "program_roadmap": [
            {"quarter": "Q1", "focus": "Deposits, meeting rhythm, pricing review", "owner": "Lena"},
            {"quarter": "Q2", "focus": "Web shop relaunch, marketing lead hired", "owner": "Aisha"},
            {"quarter": "Q3", "focus": "Lead time to four weeks, planning tool", "owner": "Tomas"},
            {"quarter": "Q4", "focus": "Repair service, second-year plan", "owner": "Maria"},
        ],
    },
}


def showcase_answers(slug: str) -> dict[str, Any]:
    return SHOWCASE[slug]
