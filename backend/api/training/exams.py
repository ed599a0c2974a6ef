"""Question banks, Excel import, papers, exam attempts, review and item statistics."""
from flask.views import MethodView
from marshmallow import fields, validate

from backend.api.audit import audit_object
from backend.api.boundary import Blueprint
from backend.api.fields import Answer, AwareDateTime, CityWide, Decimal, File, Id, Int, from_now
from backend.api.multipart import read_upload
from backend.api.pagination import listing
from backend.api.schemas import Schema, Text
from backend.api.security import auth_required, current_actor
from backend.api.transitions import transition
from backend.api.views import change, creation, detail, method, visible
from backend.db import session
from backend.org.roles import TRAINEES, TRAINING_AUTHORS
from backend.training.exams import bank, operations, queries, stats
from backend.training.exams.models import Paper, PaperMode, QuestionKind

blp = Blueprint("exams", __name__, url_prefix="/api/training", description="培训：题库、试卷与考试")

POINTS = dict(as_string=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=100))

# An exam's window is set up to a year ahead, or (reopened) from up to a month back.
WINDOW_EARLIEST, WINDOW_LATEST = from_now(days=-31), from_now(days=366)


class BankSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata={"example": "法律知识题库"})


class QuestionSchema(Schema):
    id = fields.Integer(dump_only=True)
    bank_id = fields.Integer(dump_only=True)
    kind = fields.Enum(QuestionKind, required=True, metadata={"description": "single 单选 / multiple 多选 / "
                                                                            "true_false 判断 / fill 填空"})
    stem = fields.String(required=True, validate=validate.Length(min=1, max=bank.MAX_STEM_LENGTH))
    options = fields.List(fields.String(validate=validate.Length(max=bank.MAX_OPTION_LENGTH)), load_default=list,
                          metadata={"description": "选择题选项；判断题固定为 对、错；填空题为空"})
    answer = Answer(required=True, metadata={
        "description": "正确答案：选项序号（从 0 起；判断题 0=对 1=错），填空题为可接受的答案文本"})
    difficulty = Int(load_default=3, min=1, max=5)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=bank.MAX_TAG_LENGTH)), load_default=list,
                       metadata={"description": "知识点"})
    explanation = fields.String(allow_none=True, load_default=None,
                                validate=validate.Length(max=bank.MAX_EXPLANATION_LENGTH))
    active = fields.Boolean(dump_only=True, metadata={"description": "停用的题目不再被新试卷和新考试抽到"})


class QuestionFilterSchema(Schema):
    tag = fields.String()
    difficulty = Int(min=1, max=5)


class ImportFileSchema(Schema):
    file = File(required=True, metadata={"description": "Excel（.xlsx）文件，格式见 backend/training/bank.py"})


class ImportResultSchema(Schema):
    created = fields.Integer()
    duplicates = fields.List(fields.Dict(), metadata={"description": "题库中已有、被跳过的行及其题目编号"})


class PaperQuestionSchema(Schema):
    question_id = Id(required=True)
    points = Decimal(required=True, **POINTS)


class PaperRuleSchema(Schema):
    bank_id = Id(required=True)
    tag = fields.String(allow_none=True, load_default=None)
    difficulty = Int(allow_none=True, load_default=None, min=1, max=5)
    count = Int(required=True, min=1, max=500)
    points = Decimal(required=True, **POINTS)


class PaperSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    mode = fields.Enum(PaperMode, required=True, metadata={"description": "fixed 固定试卷 / random 按规则随机抽题"})
    time_limit_minutes = Int(required=True, min=1, max=600)
    max_attempts = Int(load_default=1, min=1, max=20)
    pass_percent = Int(load_default=60, min=1, max=100)
    shuffle = fields.Boolean(load_default=True, metadata={"description": "每次考试打乱题目和选项顺序"})
    category = fields.String(required=True)
    credit_hours = Decimal(required=True, as_string=True, places=1, validate=validate.Range(min=0, max=24))
    opens_at = AwareDateTime(allow_none=True, load_default=None, earliest=WINDOW_EARLIEST, latest=WINDOW_LATEST)
    closes_at = AwareDateTime(allow_none=True, load_default=None, earliest=WINDOW_EARLIEST, latest=WINDOW_LATEST)
    questions = fields.List(fields.Nested(PaperQuestionSchema), load_default=list)
    rules = fields.List(fields.Nested(PaperRuleSchema), load_default=list)
    district_id = CityWide("全市试卷（市局题库出题，各区人员均可参加）")


class PaperQuestionEntrySchema(Schema):
    position = fields.Integer()
    points = Decimal(as_string=True)
    question = fields.Nested(QuestionSchema)


class PaperContentsSchema(Schema):
    paper_id = fields.Integer(attribute="id")
    mode = fields.Enum(PaperMode)
    questions = fields.List(fields.Nested(PaperQuestionEntrySchema),
                            metadata={"description": "固定试卷的题目（含答案；停用的题目不再出现在新的考试中）"})
    rules = fields.List(fields.Nested(PaperRuleSchema), metadata={"description": "随机试卷的抽题规则"})


class PaperBriefSchema(PaperSchema):
    class Meta:
        exclude = ("questions", "rules")


class ItemSchema(Schema):
    item_id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    stem = fields.String()
    options = fields.List(fields.String())
    points = Decimal(as_string=True)
    answer = Answer(allow_none=True, metadata={"description": "本人的作答（按显示顺序的选项序号）"})
    correct_answer = Answer(metadata={"description": "交卷后可见"})
    earned = Decimal(as_string=True)
    explanation = fields.String(allow_none=True)


class AttemptSchema(Schema):
    id = fields.Integer()
    paper_id = fields.Integer()
    paper_title = fields.String()
    number = fields.Integer()
    status = fields.String(metadata={"description": "open 作答中 / submitted 已交卷 / expired 超时自动交卷"})
    started_at = fields.DateTime()
    deadline_at = fields.DateTime(metadata={"description": "服务器截止时间，之后的作答不被接受"})
    closed_at = fields.DateTime(allow_none=True)
    max_score = Decimal(as_string=True)
    score = Decimal(as_string=True, allow_none=True)
    passed = fields.Boolean(allow_none=True)
    pass_percent = fields.Integer()
    items = fields.List(fields.Nested(ItemSchema))


class AttemptBriefSchema(Schema):
    id = fields.Integer()
    paper_id = fields.Integer()
    officer_id = fields.Integer()
    number = fields.Integer()
    status = Text(lambda a: a.status.value)
    started_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    score = Decimal(as_string=True, allow_none=True)
    max_score = Decimal(as_string=True)
    passed = fields.Boolean(allow_none=True)


class AttemptFilterSchema(Schema):
    paper_id = Id()
    officer_id = Id()


class AnswerSchema(Schema):
    item_id = Id(required=True)
    answer = Answer(required=True, validate=validate.Length(max=8),
                         metadata={"description": "按显示顺序的选项序号，填空题为一个文本", "example": [0, 2]})


class AnswersSchema(Schema):
    answers = fields.List(fields.Nested(AnswerSchema), required=True, validate=validate.Length(max=500))


class SubmitSchema(Schema):
    answers = fields.List(fields.Nested(AnswerSchema), load_default=list, validate=validate.Length(max=500))


class DistractorSchema(Schema):
    option = fields.String(metadata={"description": "选项（A、B…；判断题为“对”“错”）"})
    text = fields.String()
    chosen = fields.Integer(metadata={"description": "选它的答卷数"})


class ItemStatisticSchema(Schema):
    question_id = fields.Integer()
    stem = fields.String()
    kind_name = fields.String()
    attempts = fields.Integer()
    answered = fields.Integer(metadata={"description": "作答了该题的答卷数"})
    correct_rate = Decimal(as_string=True, allow_none=True,
                                  metadata={"description": "答对率（得满分的答卷占比）"})
    top_distractor = fields.Nested(DistractorSchema, allow_none=True,
                                   metadata={"description": "被选最多的错误选项（选择题）"})
    facility = Decimal(as_string=True, allow_none=True, metadata={"description": "难度系数（平均得分率）"})
    discrimination = Decimal(as_string=True, allow_none=True,
                                    metadata={"description": "区分度 D = 高分组得分率 − 低分组得分率（各 27%）"})


class PaperResultSchema(Schema):
    attempt_id = fields.Integer()
    officer_name = fields.String()
    number = fields.Integer(metadata={"description": "第几次作答"})
    score = Decimal(as_string=True, allow_none=True)
    max_score = Decimal(as_string=True)
    passed = fields.Boolean(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class ItemStatisticsSchema(Schema):
    paper_id = fields.Integer()
    attempts = fields.Integer()
    group_size = fields.Integer()
    items = fields.List(fields.Nested(ItemStatisticSchema))
    results = fields.List(fields.Nested(PaperResultSchema), metadata={"description": "已交卷的成绩，高分在前"})


@blp.route("/banks", endpoint="banks")
class Banks(MethodView):
    get = method(blp, lambda: session.scalars(queries.banks(current_actor())).all(),
                 "题库列表（本区；市局培训管理员为市局题库）", BankSchema(many=True), *TRAINING_AUTHORS)
    post = creation(blp, BankSchema, BankSchema, "新建题库（市局培训管理员建市局题库，供全市直播课）", bank.create_bank,
                    "training_question_bank", *TRAINING_AUTHORS)


@blp.route("/banks/<int:bank_id>/questions", endpoint="bank_questions")
class BankQuestions(MethodView):
    get = listing(blp, queries.questions, QuestionFilterSchema, QuestionSchema, "题目列表（含答案，仅教员可见）",
                  *TRAINING_AUTHORS)
    post = creation(blp, QuestionSchema, QuestionSchema, "添加题目", bank.add_question, "training_question",
                    *TRAINING_AUTHORS, alt_responses=((409, "题库中已有相同题目"),))


@blp.route("/questions/<int:question_id>", endpoint="question")
class QuestionById(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.arguments(QuestionSchema)
    @blp.response(200, QuestionSchema)
    @blp.alt_response(409, description="题库中已有相同题目，或题目已停用")
    def put(self, body, question_id):
        """修改题目（已被考试或随堂测验用过的题目不改动原题：停用原题并新增修改后的题目，返回新题目，固定试卷随之换用新题目）"""
        question = bank.edit_question(current_actor(), question_id, **body)
        audit_object("training_question", question.id)
        return question


@transition(blp, "/questions/<int:question_id>/deactivate", "question_deactivate", QuestionSchema, *TRAINING_AUTHORS,
            audit="training_question")
def question_deactivate(question_id):
    """停用题目（不再被新试卷和新考试抽到；已有答卷保持原样）"""
    return bank.deactivate_question(current_actor(), question_id)


@blp.route("/banks/<int:bank_id>/import", endpoint="bank_import")
class BankImport(MethodView):
    @auth_required(blp, *TRAINING_AUTHORS)
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(201, ImportResultSchema)
    def post(self, files, bank_id):
        """从 Excel 导入题目（有错误的行逐行列出，全部无误才导入；重复题跳过）"""
        data = read_upload(files["file"], bank.MAX_FILE_BYTES)
        audit_object("training_question_bank", bank_id)
        return bank.import_questions(current_actor(), bank_id, data)


@blp.route("/papers", endpoint="papers")
class Papers(MethodView):
    get = listing(blp, queries.papers, None, PaperBriefSchema, "试卷（考试）列表（本区及全市）")
    post = creation(blp, PaperSchema, PaperSchema,
                    "组卷：固定题目，或按知识点与难度规则随机抽题（市局培训管理员用市局题库组全市试卷）",
                    operations.create_paper, "training_paper", *TRAINING_AUTHORS)


@blp.route("/papers/<int:paper_id>", endpoint="paper")
class PaperById(MethodView):
    get = detail(blp, PaperBriefSchema, "试卷详情（不含题目）", visible(Paper, "试卷"))


@blp.route("/papers/<int:paper_id>/questions", endpoint="paper_questions")
class PaperQuestions(MethodView):
    get = detail(blp, PaperContentsSchema, "试卷的题目（固定试卷）或抽题规则（随机试卷），含答案，仅教员可见",
                 operations.paper_for_trainer, *TRAINING_AUTHORS)


@blp.route("/papers/<int:paper_id>/attempts", endpoint="paper_attempts")
class PaperAttempts(MethodView):
    @auth_required(blp, *TRAINEES)
    @blp.response(201, AttemptSchema)
    def post(self, paper_id):
        """开始考试（已有进行中的答卷则继续该答卷）"""
        attempt = operations.start_attempt(current_actor(), paper_id)
        audit_object("training_attempt", attempt.id)
        return operations.attempt_view(attempt)


@blp.route("/papers/<int:paper_id>/item-statistics", endpoint="paper_item_statistics")
class PaperItemStatistics(MethodView):
    get = detail(blp, ItemStatisticsSchema, "题目分析：作答数、答对率、最多被选的干扰项、难度系数与区分度；成绩",
                 stats.item_statistics, *TRAINING_AUTHORS)


@blp.route("/attempts", endpoint="attempts")
class Attempts(MethodView):
    get = listing(
        blp,
        queries.attempts,
        AttemptFilterSchema,
        AttemptBriefSchema,
        "答卷列表（学员看自己的，中队长看本中队，区局看全区）",
    )


def _shown(operation):
    """`operation(actor, attempt_id, …)` answering the attempt as its officer or a trainer may see it."""
    return lambda actor, attempt_id, **body: operations.attempt_view(operation(actor, attempt_id, **body))


@blp.route("/attempts/<int:attempt_id>", endpoint="attempt")
class AttemptById(MethodView):
    get = detail(blp, AttemptSchema, "答卷：作答中只见题目与本人作答；交卷后可回看正确答案、得分与解析",
                 _shown(operations.visible_attempt))


@blp.route("/attempts/<int:attempt_id>/answers", endpoint="attempt_answers")
class AttemptAnswers(MethodView):
    put = change(blp, AnswersSchema, AttemptSchema, "保存作答（截止时间后拒绝）", _shown(operations.save_answers),
                 "training_attempt")


@transition(blp, "/attempts/<int:attempt_id>/submit", "attempt_submit", AttemptSchema, arguments=SubmitSchema,
            audit="training_attempt")
def attempt_submit(body, attempt_id):
    """交卷（可同时带上最后的作答），自动评分"""
    return _shown(operations.submit)(current_actor(), attempt_id, **body)
