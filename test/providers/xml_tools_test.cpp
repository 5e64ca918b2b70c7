#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "providers/xml_tools.hpp"

using Catch::Matchers::Contains;
using router::providers::function_tools;
using router::providers::parse_tool_reply;
using router::providers::ToolCallFilter;
using router::providers::ToolSpec;

namespace {

std::vector<ToolSpec> tools_of(std::string_view json) {
  return function_tools(boost::json::parse(json).as_object());
}

const std::string kReadTool =
    R"({"tools":[{"type":"function","function":{"name":"read","description":"Read a file","parameters":{"type":"object","properties":{"filePath":{"type":"string","description":"Absolute path"},"limit":{"type":"integer"},"code":{"type":"string"},"flags":{"type":"array"}},"required":["filePath"]}}},{"type":"function","function":{"name":"read_all","parameters":{}}},{"type":"function","function":{"name":"bad name"}}]})";

}  // namespace

TEST_CASE("xml tools: the prompt lists each tool with typed parameters and a usage skeleton", "[providers]") {
  const auto tools = tools_of(
      R"({"tools":[{"type":"function","function":{"name":"read","description":"Read a file","parameters":{"type":"object","properties":{"filePath":{"type":"string","description":"Absolute path"}},"required":["filePath"]}}}]})");
  REQUIRE(tools.size() == 1);
  const auto prompt = router::providers::tools_prompt(tools);
  CHECK_THAT(prompt, Contains("exactly one tool per message"));
  CHECK_THAT(prompt, Contains("<tools>\n## read\nDescription: Read a file\nParameters:\n"
                              "- filePath: (required) string - Absolute path\n\nUsage:\n<read>\n"
                              "<filePath>example_value</filePath>\n</read>\n</tools>"));
  const auto none = tools_of(R"({"tools":[{"type":"function","function":{"name":"ping"}}]})");
  CHECK_THAT(router::providers::tools_prompt(none), Contains("## ping\nDescription: (none)\nParameters: None\n"));
}

TEST_CASE("xml tools: names that cannot be XML elements are not offered", "[providers]") {
  const auto tools = tools_of(kReadTool);
  REQUIRE(tools.size() == 2);
  CHECK(tools[0].name == "read");
  CHECK(tools[1].name == "read_all");
}

TEST_CASE("xml tools: a reply's first tool element becomes a call with schema-typed arguments", "[providers]") {
  const auto tools = tools_of(kReadTool);
  const auto r = parse_tool_reply(
      "I'll read it.\n\n<read>\n<filePath>/tmp/a.txt</filePath>\n<limit>20</limit>\n<code>007</code>\n"
      "<flags>[\"x\"]</flags>\n<extra>true</extra>\n<ratio>-1.5</ratio>\n</read>\nand more <read_all></read_all>",
      tools);
  REQUIRE(r.call);
  CHECK(r.content == "I'll read it.");
  CHECK(r.call->name == "read");
  const auto args = boost::json::parse(r.call->arguments).as_object();
  CHECK(args.at("filePath") == "/tmp/a.txt");
  CHECK(args.at("limit") == 20);
  CHECK(args.at("code") == "007");  // a string parameter stays a string even when it looks numeric
  CHECK(args.at("flags").as_array().at(0) == "x");
  CHECK(args.at("extra") == true);  // untyped: booleans and numbers by shape
  CHECK(args.at("ratio").as_double() == -1.5);
}

TEST_CASE("xml tools: ordinary markup and unknown elements stay text", "[providers]") {
  const auto tools = tools_of(kReadTool);
  const std::string text = "Use <b>bold</b>, a < b, <3 and <reader>x</reader> or <read >.";
  const auto r = parse_tool_reply(text, tools);
  CHECK_FALSE(r.call);
  CHECK(r.content == text);
  const auto unclosed = parse_tool_reply("See <read>\n<filePath>/x</filePath>", tools);
  CHECK_FALSE(unclosed.call);
  CHECK(unclosed.content == "See <read>\n<filePath>/x</filePath>");
}

TEST_CASE("xml tools: the stream filter lets text through at once and holds only a suspected call", "[providers]") {
  const auto tools = tools_of(kReadTool);
  ToolCallFilter f(tools);
  CHECK(f.feed("Hello <b>wor") == "Hello <b>wor");  // '<b' cannot become a tool tag: out at once
  CHECK(f.feed("ld</b> <re") == "ld</b> ");          // '<re' may become '<read>': held
  CHECK(f.feed("ally") == "<really");                // it did not
  CHECK(f.feed(" <read_a") == " ");
  CHECK(f.feed("ll>") == "");                        // a complete tag: the element is held
  CHECK(f.feed("</read_al") == "");
  CHECK_FALSE(f.call());
  CHECK(f.feed("l> after") == "");  // the call is complete; what follows is not shown
  REQUIRE(f.call());
  CHECK(f.call()->name == "read_all");
  CHECK(f.call()->arguments == "{}");
  CHECK(f.finish().empty());
}

TEST_CASE("xml tools: any split of the input gives the same call and text", "[providers]") {
  const auto tools = tools_of(kReadTool);
  const std::string text = "Sure <i>now</i>:\n<read>\n<filePath>/a</filePath>\n</read>tail";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    ToolCallFilter f(tools);
    std::string shown;
    for (std::size_t off = 0; off < text.size(); off += piece) {
      shown += f.feed(std::string_view(text).substr(off, piece));
    }
    shown += f.finish();
    INFO("piece " << piece);
    CHECK(shown == "Sure <i>now</i>:\n");
    REQUIRE(f.call());
    CHECK(f.call()->arguments == R"({"filePath":"/a"})");
  }
}

TEST_CASE("xml tools: an unclosed element is text at the end, and an oversized one is given up", "[providers]") {
  const auto tools = tools_of(kReadTool);
  ToolCallFilter f(tools);
  CHECK(f.feed("a <read>b") == "a ");
  CHECK(f.finish() == "<read>b");
  ToolCallFilter big(tools);
  CHECK(big.feed("<read>").empty());
  const std::string filler(ToolCallFilter::kMaxElement, 'x');
  CHECK(big.feed(filler) == "<read>" + filler);
  CHECK(big.feed("</read>") == "</read>");  // after giving up everything is text
  CHECK_FALSE(big.call());
}

TEST_CASE("xml tools: a call renders back to the XML the model writes", "[providers]") {
  CHECK(router::providers::tool_call_xml("read", R"({"filePath":"/a","limit":3})") ==
        "<read>\n<filePath>/a</filePath>\n<limit>3</limit>\n</read>");
}
