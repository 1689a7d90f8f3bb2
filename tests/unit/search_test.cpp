// A search's parts on their own: spaces as written, the samplers' determinism and spread, the
// TPE's pull towards good trials, ASHA's and Hyperband's decisions.
#include "search/samplers.hpp"
#include "search/scheduler.hpp"
#include "search/search_space.hpp"
#include "search/study.hpp"

#include <forge/error.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace forge {
namespace {

std::string error_of(const std::string& flag, const std::string& value) {
  try {
    parse_dimension(flag, value);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "no error";
}

TEST(SearchSpace, EachKindAsWrittenAndPlainValuesAreNoSpace) {
  EXPECT_FALSE(parse_dimension("lr", "0.001"));
  EXPECT_FALSE(parse_dimension("data_dir", "/data/x:y"));
  const Dimension lr = *parse_dimension("lr", "loguniform:1e-4:1e-1");
  EXPECT_EQ(lr.value_at(0), "0.0001");
  EXPECT_EQ(lr.value_at(0.5), "0.003162");
  EXPECT_NEAR(std::strtod(lr.value_at(0.999999).c_str(), nullptr), 0.1, 1e-5);
  EXPECT_NEAR(lr.unit_of("0.003162"), 0.5, 1e-4);
  const Dimension width = *parse_dimension("n_hidden", "int:32:35");
  std::set<std::string> seen;
  for (double u = 0; u < 1; u += 0.01) seen.insert(width.value_at(u));
  EXPECT_EQ(seen, (std::set<std::string>{"32", "33", "34", "35"}));
  EXPECT_EQ(width.count(), 4u);
  const Dimension batch = *parse_dimension("batch_size", "logint:16:256");
  EXPECT_EQ(batch.value_at(0), "16");
  EXPECT_EQ(batch.value_at(0.9999), "256");
  const Dimension optimizer = *parse_dimension("optimizer", "choice:adam,sgd,adamw");
  EXPECT_EQ(optimizer.value_at(0.5), "sgd");
  EXPECT_EQ(optimizer.text(), "choice:adam,sgd,adamw");
  EXPECT_EQ(lr.text(), "loguniform:0.0001:0.1");
}

TEST(SearchSpace, SpacesThatCannotBeSearchedAreOneLineUsageErrors) {
  EXPECT_EQ(error_of("lr", "uniform:1"), "the space --lr uniform:1 needs two bounds; write uniform:LOW:HIGH");
  EXPECT_EQ(error_of("lr", "uniform:0.1:0.01"),
            "the space --lr uniform:0.1:0.01 is an empty or inverted range (LOW must be below HIGH)");
  EXPECT_EQ(error_of("lr", "uniform:0.1:0.1"),
            "the space --lr uniform:0.1:0.1 is an empty or inverted range (LOW must be below HIGH)");
  EXPECT_EQ(error_of("lr", "loguniform:0:1"),
            "the space --lr loguniform:0:1 takes the log of a bound that is not positive");
  EXPECT_EQ(error_of("n", "int:1.5:4"), "the space --n int:1.5:4 has bounds that are not whole numbers");
  EXPECT_EQ(error_of("lr", "uniform:a:1"), "the space --lr uniform:a:1 has a bound that is no number: 'a'");
  EXPECT_EQ(error_of("o", "choice:"), "the space --o choice: has an empty choice; write choice:A,B,...");
  EXPECT_EQ(error_of("o", "choice:a,,b"), "the space --o choice:a,,b has an empty choice; write choice:A,B,...");
  EXPECT_EQ(error_of("o", "choice:a,a"), "the space --o choice:a,a names a twice");
}

std::vector<Dimension> two_dimensions() {
  return {*parse_dimension("lr", "loguniform:1e-4:1e-1"), *parse_dimension("optimizer", "choice:adam,sgd")};
}

TEST(Samplers, TheSameSeedAndIndexGiveTheSamePointAndOtherSeedsOthers) {
  for (const std::string name : {"random", "halton", "tpe"}) {
    auto a = make_sampler(name, two_dimensions(), 7), b = make_sampler(name, two_dimensions(), 7);
    auto c = make_sampler(name, two_dimensions(), 8);
    for (size_t i = 0; i < 5; ++i) {
      const auto point = a->sample(i, {});
      EXPECT_EQ(point, b->sample(i, {})) << name;
      EXPECT_NE(point, c->sample(i, {})) << name;
      for (double u : point) EXPECT_TRUE(u >= 0 && u < 1) << name;
    }
  }
}

TEST(Samplers, HaltonSpreadsItsPointsMoreEvenlyThanChance) {
  // The largest empty gap of 64 points on a line: Halton's stays near 1/64, chance's is several times that.
  auto gap = [](const std::string& name) {
    auto sampler = make_sampler(name, {*parse_dimension("x", "uniform:0:1")}, 3);
    std::vector<double> xs;
    for (size_t i = 0; i < 64; ++i) xs.push_back(sampler->sample(i, {})[0]);
    std::sort(xs.begin(), xs.end());
    double widest = xs.front() + 1 - xs.back();
    for (size_t i = 1; i < xs.size(); ++i) widest = std::max(widest, xs[i] - xs[i - 1]);
    return widest;
  };
  EXPECT_LT(gap("halton"), 2.5 / 64);
  EXPECT_GT(gap("random"), gap("halton"));
}

TEST(Samplers, AGridEnumeratesEveryCombinationAndRefusesAContinuousDimension) {
  const std::vector<Dimension> space{*parse_dimension("a", "choice:x,y"), *parse_dimension("b", "int:1:3")};
  auto grid = make_sampler("grid", space, 0);
  EXPECT_EQ(grid->capacity(), 6u);
  std::set<std::string> seen;
  for (size_t i = 0; i < 6; ++i) {
    const auto p = grid->sample(i, {});
    seen.insert(space[0].value_at(p[0]) + space[1].value_at(p[1]));
  }
  EXPECT_EQ(seen.size(), 6u);
  try {
    make_sampler("grid", two_dimensions(), 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--lr loguniform:0.0001:0.1 is continuous"), std::string::npos) << e.what();
  }
  try {
    make_sampler("tpee", two_dimensions(), 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown sampler 'tpee'; did you mean tpe? (random, halton, tpe, grid)");
  }
}

TEST(Samplers, TpeSamplesNearTheGoodTrialsOnceItHasSeenEnough) {
  // The objective: distance from 0.8 in the first coordinate; the good category is the second.
  const std::vector<Dimension> space{*parse_dimension("x", "uniform:0:1"), *parse_dimension("c", "choice:a,b,c")};
  auto tpe = make_sampler("tpe", space, 1);
  std::vector<std::pair<double, std::vector<double>>> scored;
  for (size_t i = 0; i < 60; ++i) {
    std::vector<Observation> finished;
    auto sorted = scored;
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 0; k < sorted.size(); ++k) finished.push_back({sorted[k].second, double(k)});
    const auto p = tpe->sample(i, finished);
    const double loss = std::abs(p[0] - 0.8) + (space[1].value_at(p[1]) == "b" ? 0 : 0.3);
    scored.push_back({loss, p});
  }
  // Its last 20 trials, against the first 10 (random): nearer 0.8, mostly in category b.
  double early = 0, late = 0;
  int late_b = 0;
  for (size_t i = 0; i < 10; ++i) early += scored[i].first / 10;
  for (size_t i = 40; i < 60; ++i) {
    late += scored[i].first / 20;
    late_b += space[1].value_at(scored[i].second[1]) == "b";
  }
  EXPECT_LT(late, early / 2) << early << " " << late;
  EXPECT_GE(late_b, 14);
}

TrialState measured(int bracket, std::vector<double> results) {
  TrialState t;
  t.bracket = bracket;
  t.rung = int(results.size()) - 1;
  t.results = std::move(results);
  return t;
}

TEST(Scheduler, RungsGrowByEtaUpToTheFullBudget) {
  ScheduleSettings s;
  s.min_budget = 1, s.max_budget = 9, s.eta = 3;
  EXPECT_EQ(rung_epochs(s, 0), (std::vector<int>{1, 3, 9}));
  EXPECT_EQ(rung_epochs(s, 1), (std::vector<int>{3, 9}));
  s.max_budget = 10;
  EXPECT_EQ(rung_epochs(s, 0), (std::vector<int>{1, 3, 9, 10}));
  s.scheduler = "hyperband";
  s.max_budget = 9;
  EXPECT_EQ(bracket_count(s), 3);
  s.scheduler = "none";
  EXPECT_EQ(rung_epochs(s, 0), (std::vector<int>{9}));
}

TEST(Scheduler, AshaPromotesTheTopThirdAsSoonAsItExistsAndNeverWaitsForAFullRung) {
  ScheduleSettings s;
  s.trials = 9;
  std::vector<TrialState> trials{measured(0, {0.5}), measured(0, {0.2})};
  // Two results at rung 0: the top 1/3 of two is nobody; a new trial.
  EXPECT_EQ(next_decision(s, trials)->trial, 2u);
  trials.push_back(measured(0, {0.9}));
  // Three: the best (trial 1) goes to rung 1.
  const Decision d = *next_decision(s, trials);
  EXPECT_EQ(d.trial, 1u);
  EXPECT_EQ(d.rung, 1);
  trials[1].rung = 1;
  trials[1].in_flight = true;
  EXPECT_EQ(next_decision(s, trials)->trial, 3u);  // nothing else to promote: a new trial
  trials[1] = measured(0, {0.2, 0.1});
  for (int i = 0; i < 6; ++i) trials.push_back(measured(0, {1.0 + i}));
  // Nine at rung 0: the top three (1, 0 and the best new) may go on; 1 went, 0 is next.
  EXPECT_EQ(next_decision(s, trials)->trial, 0u);
  trials[0] = measured(0, {0.5, 0.3});
  trials[2].failed = true;
  // Rung 0's top third is trials 1, 0 and 2, and 2 failed; rung 1's two results have no top
  // third yet, and nine trials were started: nothing to do.
  EXPECT_FALSE(next_decision(s, trials));
  trials[2] = measured(0, {0.9, 0.05});
  // Rung 1 now holds three: its best (trial 2) goes to the top rung.
  const Decision top = *next_decision(s, trials);
  EXPECT_EQ(top.trial, 2u);
  EXPECT_EQ(top.rung, 2);
  trials[2] = measured(0, {0.9, 0.05, 0.01});
  EXPECT_FALSE(next_decision(s, trials));  // nine trials, nothing left to promote: the search is done
}

TEST(Scheduler, HyperbandDealsNewTrialsToItsBracketsInTurn) {
  ScheduleSettings s;
  s.scheduler = "hyperband";
  s.trials = 6;
  std::vector<TrialState> trials;
  std::vector<int> brackets;
  for (int i = 0; i < 6; ++i) {
    const Decision d = *next_decision(s, trials);
    brackets.push_back(d.bracket);
    TrialState t;
    t.bracket = d.bracket;
    t.rung = 0;
    t.in_flight = true;
    trials.push_back(t);
  }
  EXPECT_EQ(brackets, (std::vector<int>{0, 1, 2, 0, 1, 2}));
}

TEST(SearchMetric, OnlySplitsMeasuredEveryEpochAreRead) {
  EXPECT_TRUE(parse_search_metric("valid/accuracy:max").maximise);
  EXPECT_EQ(parse_search_metric("train/loss").text(), "train/loss:min");
  for (const std::string bad : {"test/accuracy:max", "valid", "valid/loss:best", "/loss"}) {
    try {
      parse_search_metric(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
    }
  }
}

}  // namespace
}  // namespace forge
